//! What the browser, the pages, the services and the REST API all speak: the wire shapes of
//! every endpoint (one module per feature), the provider table, time as the API writes it and
//! the error body. Safe for the browser build: serde, chrono, uuid and nothing else; the
//! `openapi` feature adds the schema derives the server's OpenAPI document reads.
pub mod admin;
pub mod auth;
pub mod candidates;
pub mod chat;
pub mod dashboard;
pub mod error;
pub mod hiring;
pub mod latency;
pub mod privacy;
pub mod profile;
pub mod provider;
pub mod screening;
pub mod time;
pub mod usage;
pub mod workspaces;

pub use error::ErrorBody;

/// `serde(with)` helper telling "absent" (`None`) from "null" (`Some(None)`).
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}
