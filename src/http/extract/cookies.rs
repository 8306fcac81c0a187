//! The cookies: the access token for browsers, the refresh token that renews it, and the signed
//! device cookie that exempts a client that logged in before from other clients' failed logins. With `COOKIE_SECURE` both carry the
//! `__Host-` prefix (Secure, Path=/, no Domain: no other host or path can set or shadow them).

use std::time::Duration;

use axum_extra::extract::{
    SignedCookieJar,
    cookie::{Cookie, CookieJar, SameSite},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    service::{auth::Device, sessions::Issued},
    state::WebSettings,
};

const ACCESS: &str = "access_token";
const REFRESH: &str = "refresh_token";
const DEVICE: &str = "device";

/// How long a device stays known: OWASP suggests the lifetime of a remembered login.
const DEVICE_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);

impl WebSettings {
    /// The name of the access-token cookie.
    pub fn access_cookie(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-access_token"
        } else {
            ACCESS
        }
    }

    /// The name of the refresh-token cookie.
    pub fn refresh_cookie(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-refresh_token"
        } else {
            REFRESH
        }
    }

    fn device_cookie(&self) -> &'static str {
        if self.cookie_secure {
            "__Host-device"
        } else {
            DEVICE
        }
    }

    fn build(&self, name: &'static str, value: String, max_age: Duration) -> Cookie<'static> {
        Cookie::build((name, value))
            .http_only(true)
            .path("/")
            .secure(self.cookie_secure)
            .max_age(cookie::time::Duration::seconds(
                i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
            ))
            .build()
    }

    /// The login cookie: HttpOnly, SameSite=Lax (a link from elsewhere arrives logged in),
    /// Path=/, no longer-lived than the token.
    pub fn login_cookie(&self, token: String, max_age: Duration) -> Cookie<'static> {
        let mut cookie = self.build(self.access_cookie(), token, max_age);
        cookie.set_same_site(SameSite::Lax);
        cookie
    }

    /// The refresh cookie: HttpOnly, SameSite=Strict (no other site's page can make the browser
    /// renew a session), Path=/ (the `__Host-` prefix wants it), for the rest of the session.
    pub fn refresh_cookie_of(&self, token: String, max_age: Duration) -> Cookie<'static> {
        let mut cookie = self.build(self.refresh_cookie(), token, max_age);
        cookie.set_same_site(SameSite::Strict);
        cookie
    }

    /// The cookies of a session's new tokens: the access cookie, and the refresh cookie when a
    /// new refresh token was issued.
    pub fn session_cookies(&self, jar: CookieJar, issued: &Issued) -> CookieJar {
        let lifetime = Duration::from_secs(issued.expires_in);
        let jar = jar.add(self.login_cookie(issued.access_token.clone(), lifetime));
        match &issued.refresh_token {
            Some(refresh) => jar.add(self.refresh_cookie_of(
                refresh.clone(),
                Duration::from_secs(issued.session_expires_in),
            )),
            None => jar,
        }
    }

    /// Cookies that make the browser drop the login and refresh cookies.
    pub fn removal_cookies(&self) -> CookieJar {
        let mut access = self.login_cookie(String::new(), Duration::ZERO);
        access.make_removal();
        let mut refresh = self.refresh_cookie_of(String::new(), Duration::ZERO);
        refresh.make_removal();
        CookieJar::new().add(access).add(refresh)
    }

    /// Whether the request carries a login or refresh cookie at all (valid or not).
    pub fn has_login_cookie(&self, jar: &CookieJar) -> bool {
        jar.get(self.access_cookie()).is_some() || jar.get(self.refresh_cookie()).is_some()
    }

    /// The device cookie, signed: `device.<id>.<base64url of the account's email>.<issued at>`.
    /// The leading word binds the signature to this purpose (the MAC covers the value, not the
    /// name), and the issue time lets the server, not only the browser, end it after 90 days.
    /// SameSite=Strict: it only matters to the login form and API clients.
    pub fn add_device(&self, jar: SignedCookieJar, device: &Device) -> SignedCookieJar {
        let account = URL_SAFE_NO_PAD.encode(&device.account);
        let issued = chrono::Utc::now().timestamp();
        let mut cookie = self.build(
            self.device_cookie(),
            format!("{DEVICE}.{}.{account}.{issued}", device.id),
            DEVICE_LIFETIME,
        );
        cookie.set_same_site(SameSite::Strict);
        jar.add(cookie)
    }

    /// The device of a validly signed, unexpired device cookie; anything else is no device.
    pub fn device(&self, jar: &SignedCookieJar) -> Option<Device> {
        let cookie = jar.get(self.device_cookie())?;
        let mut fields = cookie.value().split('.');
        let (purpose, id, account, issued) = (
            fields.next()?,
            fields.next()?,
            fields.next()?,
            fields.next()?,
        );
        let age = chrono::Utc::now().timestamp() - issued.parse::<i64>().ok()?;
        if purpose != DEVICE || fields.next().is_some() || !(0..=lifetime_secs()).contains(&age) {
            return None;
        }
        Some(Device {
            id: id.to_owned(),
            account: String::from_utf8(URL_SAFE_NO_PAD.decode(account).ok()?).ok()?,
        })
    }
}

fn lifetime_secs() -> i64 {
    i64::try_from(DEVICE_LIFETIME.as_secs()).unwrap_or(i64::MAX)
}
