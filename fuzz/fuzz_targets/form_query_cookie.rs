//! Form bodies, query strings and cookie headers as handlers read them:
//! never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use porchlight::http::{Method, Req};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let req = Req {
        method: Method::Post,
        path: "/join".into(),
        query: text.clone(),
        remote: std::net::IpAddr::from([127, 0, 0, 1]),
        https: false,
        public: false,
        content_type: Some("application/x-www-form-urlencoded".into()),
        cookie: Some(text.clone()),
        host: None,
        host_name: None,
        origin: None,
        fetch_site: None,
        accept_language: None,
        accepts_gzip: false,
        body: data.to_vec(),
    };
    let _ = req.form();
    let _ = req.field("code");
    let _ = req.param("event");
    let _ = req.cookie("porchlight_admin");
});
