//! A body that may come as a form (a browser's) or as a JSON object (an API client's), read by
//! axum's own `Form` and `Json` extractors by its `Content-Type`. A body of neither type is
//! `415`; one that does not read is `422` naming `body`, in words that never echo what was sent
//! (serde's messages quote values, which may be a password).

use axum::{
    Form, Json,
    extract::{FromRequest, Request},
    http::{StatusCode, header},
};
use mediatype::MediaType;
use serde::de::DeserializeOwned;

use crate::error::{Error, FieldError};

pub struct FormOrJson<T>(pub T);

/// The `Content-Type`'s essence (`type/subtype`, lower case), if it reads.
fn essence(request: &Request) -> Option<String> {
    let value = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    MediaType::parse(value)
        .ok()
        .map(|media| media.essence().to_string().to_ascii_lowercase())
}

fn unreadable(status: StatusCode) -> Error {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::Rejected {
            status: status.as_u16(),
            detail: "Request body too large".to_owned(),
        };
    }
    Error::InvalidBody(vec![FieldError {
        field: "body".to_owned(),
        message: "must be a form or a JSON object whose fields are strings".to_owned(),
    }])
}

impl<T, S> FromRequest<S> for FormOrJson<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        match essence(&request).as_deref() {
            Some("application/x-www-form-urlencoded") => Form::<T>::from_request(request, state)
                .await
                .map(|Form(body)| Self(body))
                .map_err(|rejection| unreadable(rejection.status())),
            // Read as a JSON value first: a syntax error's message names a position, never a
            // value, should axum log the rejection; the typed read's error (which would quote
            // a password sent as a number) is dropped here.
            Some("application/json") => {
                let Json(value) = Json::<serde_json::Value>::from_request(request, state)
                    .await
                    .map_err(|rejection| unreadable(rejection.status()))?;
                if !value.is_object() {
                    return Err(unreadable(StatusCode::UNPROCESSABLE_ENTITY));
                }
                serde_json::from_value(value)
                    .map(Self)
                    .map_err(|_| unreadable(StatusCode::UNPROCESSABLE_ENTITY))
            }
            _ => Err(Error::UnsupportedMediaType),
        }
    }
}
