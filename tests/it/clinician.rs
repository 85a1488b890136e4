//! The clinician's side over raw HTTP: a browser's worth of cookies, the
//! sign-in, and the CSRF field of admin pages.

use std::net::IpAddr;

use crate::support::{Appt, Practice, Response, Server};

pub const ORIGIN: (&str, &str) = ("Origin", "http://127.0.0.1");
pub const PASSWORD: &str = "a calm harbour at dusk";

/// The value of the hidden `csrf` field of a page.
pub fn csrf_of(page: &Response) -> String {
    let at = page.body.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {}", page.body));
    let rest = &page.body[at + 19..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

/// `name=value` of a Set-Cookie for `name`.
pub fn cookie(r: &Response, name: &str) -> String {
    let set = r.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}="))).unwrap_or_else(|| {
        panic!("no {name} cookie in {:?}", r.headers);
    });
    set.split(';').next().expect("name=value").to_string()
}

/// A browser's worth of state: the cookie header it would send, and the
/// address it connects from.
pub struct Browser<'a> {
    server: &'a Server,
    cookies: Vec<String>,
    /// The `Host` it sends, when not the server's own address.
    host: Option<String>,
    /// The address it connects from, when not the system's choice.
    from: Option<IpAddr>,
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a Server) -> Self {
        Browser { server, cookies: vec![], host: None, from: None }
    }

    /// A browser that reached the server under another name, such as
    /// `porch.lan:8080`, as a LAN device would.
    pub fn at(server: &'a Server, host: &str) -> Self {
        Browser { server, cookies: vec![], host: Some(host.to_string()), from: None }
    }

    /// A browser on another host: it connects from `from` (127.x.y.z).
    pub fn from(server: &'a Server, from: IpAddr) -> Self {
        Browser { server, cookies: vec![], host: None, from: Some(from) }
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies.join("; ")
    }

    fn keep(&mut self, r: &Response) {
        for set in r.set_cookies() {
            let pair = set.split(';').next().unwrap_or_default().to_string();
            let name = pair.split('=').next().unwrap_or_default().to_string();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !set.contains("Max-Age=0") {
                self.cookies.push(pair);
            }
        }
    }

    fn headers(&self, extra: &[(&'a str, &'a str)]) -> Vec<(&str, String)> {
        let mut h: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if let Some(host) = &self.host {
            h.push(("Host", host.clone()));
        }
        if !self.cookies.is_empty() {
            h.push(("Cookie", self.cookies.join("; ")));
        }
        h
    }

    fn send(&self, method: &str, target: &str, headers: &[(&str, &str)], form: Option<&str>) -> Response {
        match self.from {
            Some(ip) => self.server.send_from(&ip.to_string(), method, target, headers, form),
            None => self.server.send_with(method, target, headers, form),
        }
    }

    pub fn get(&mut self, target: &str) -> Response {
        let h = self.headers(&[]);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = self.send("GET", target, &h, None);
        self.keep(&r);
        r
    }

    pub fn post(&mut self, target: &str, extra: &[(&'a str, &'a str)], form: &str) -> Response {
        let h = self.headers(extra);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = self.send("POST", target, &h, Some(form));
        self.keep(&r);
        r
    }

    /// Sign in with `password`; the login response.
    pub fn login(&mut self, password: &str) -> Response {
        let page = self.get("/admin/login");
        let csrf = csrf_of(&page);
        self.post("/admin/login", &[ORIGIN], &format!("csrf={csrf}&password={}", password.replace(' ', "+")))
    }

    /// The CSRF token of the dashboard.
    pub fn csrf(&mut self) -> String {
        csrf_of(&self.get("/admin"))
    }
}

/// A practice with an admin password set, and its server.
pub fn with_password(extra: &[&str]) -> (Practice, Server) {
    let p = Practice::new();
    p.run_stdin(&["admin", "password"], &format!("{PASSWORD}\n")).ok();
    let server = Server::start_with(p.path(), false, extra);
    (p, server)
}

/// A signed-in clinician, with the CSRF field of their dashboard.
pub struct Clinician<'a> {
    pub browser: Browser<'a>,
    pub csrf: String,
}

impl<'a> Clinician<'a> {
    pub fn sign_in(server: &'a Server) -> Self {
        let mut browser = Browser::new(server);
        assert_eq!(browser.login(PASSWORD).status, 303);
        let csrf = browser.csrf();
        Clinician { browser, csrf }
    }

    pub fn start(&mut self, appt: &Appt) -> Response {
        let form = format!("csrf={}", self.csrf);
        self.browser.post(&format!("/admin/appointments/{}/start", appt.id()), &[ORIGIN], &form)
    }

    pub fn admit(&mut self, appt: &Appt, client: &str) -> Response {
        let form = format!("csrf={}&client={client}&back=today", self.csrf);
        self.browser.post(&format!("/admin/appointments/{}/admit", appt.id()), &[ORIGIN], &form)
    }

    pub fn dashboard(&mut self) -> Response {
        self.browser.get("/admin")
    }

    /// POST an admin form with the CSRF field added.
    pub fn post(&mut self, path: &str, form: &str) -> Response {
        let form = if form.is_empty() { format!("csrf={}", self.csrf) } else { format!("csrf={}&{form}", self.csrf) };
        self.browser.post(path, &[ORIGIN], &form)
    }
}
