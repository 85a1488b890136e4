//! The client-facing handlers: the participant page, the waiting page,
//! the device check's routes, `/join`, the portal, calendar downloads,
//! bundled assets, and the built-in room with its signalling. Each takes the app on a lent
//! database connection and what requests share (`state`), and returns a
//! `Resp`; the templates they fill are `render`'s.

pub mod assets;
pub mod calendar;
pub mod check;
pub mod client;
pub mod code;
pub mod portal;
pub mod room;
pub mod waiting;
