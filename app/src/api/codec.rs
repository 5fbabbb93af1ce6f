//! How a page's data crosses from the server's render to the hydrating page.
//!
//! A resource's value is written into the page as JSON and read back before the page hydrates;
//! later loads of the same resource come through its server function, whose answer the client
//! reads with `serde_json::from_slice`. Leptos's default resource codec reads with
//! `serde_json::from_str`, a second reader type: every data type's deserialiser would then be in
//! the WASM twice, once per reader. [`Json`] reads with `from_slice` too, so each is there once,
//! and [`resource`] makes every page's resources with it. The JSON itself is unchanged.
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

use super::AppError;

/// JSON, read with the same reader as the server functions' answers.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource of a server function's answer.
pub type Loaded<T> = Resource<Result<T, AppError>, Json>;

/// [`Resource::new`] with the [`Json`] codec: `fetcher` runs again whenever `source` changes.
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loaded_value_and_an_error_read_back() -> Result<(), serde_json::Error> {
        let ok: Result<Vec<u32>, AppError> = Ok(vec![1, 2]);
        let text = <Json as Encoder<_>>::encode(&ok)?;
        assert_eq!(text, r#"{"Ok":[1,2]}"#, "plain JSON");
        assert_eq!(
            <Json as Decoder<Result<Vec<u32>, AppError>>>::decode(&text)?,
            ok
        );
        let err: Result<Vec<u32>, AppError> = Err(AppError::unauthorized());
        let text = <Json as Encoder<_>>::encode(&err)?;
        assert_eq!(
            <Json as Decoder<Result<Vec<u32>, AppError>>>::decode(&text)?,
            err
        );
        Ok(())
    }
}
