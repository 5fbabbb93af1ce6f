//! argon2id password hashes (PHC strings) computed in reused working memory.
//!
//! Each hash needs 19 MiB of scratch blocks. Allocated per hash, the allocator keeps freed
//! blocks in whichever thread arena served them, so a few dozen logins on the blocking pool
//! leave hundreds of megabytes resident. The blocks here come from a small pool instead: at
//! most one set per concurrent hash (the hashing semaphore allows two), reused forever.
use std::sync::Mutex;

use argon2::{
    password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
/// Scratch sets kept for reuse; more concurrent hashes than this allocate and free their own.
const POOL_SIZE: usize = 2;

static POOL: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn params() -> Result<Params, argon2::Error> {
    Params::new(M_COST_KIB, T_COST, 1, None)
}

/// Runs `f` with at least `count` scratch blocks, returning them to the pool afterwards.
fn with_blocks<R>(count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    let mut blocks = POOL
        .lock()
        .ok()
        .and_then(|mut pool| pool.pop())
        .unwrap_or_default();
    if blocks.len() < count {
        blocks.resize(count, Block::default());
    }
    let result = f(&mut blocks[..count]);
    // Only the standard size is pooled: an old hash with a larger cost does not pin its memory.
    let standard = params().map_or(0, |p| p.block_count());
    if blocks.len() == standard {
        if let Ok(mut pool) = POOL.lock() {
            if pool.len() < POOL_SIZE {
                pool.push(blocks);
            }
        }
    }
    result
}

fn hash_with(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt, out, blocks)
    })
}

/// A fresh PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `password`.
pub fn hash(password: &[u8]) -> Result<String, String> {
    let params = params().map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        hash_with(&argon, &params, password, salt_bytes, out)
            .map_err(argon2::password_hash::Error::from)
    })
    .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `phc`; any malformed hash is a mismatch. The
/// comparison is constant-time.
pub fn verify(password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        hash_with(&argon, &params, password, salt_bytes, out)
            .map_err(argon2::password_hash::Error::from)
    });
    computed.is_ok_and(|c| c == expected)
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_are_standard_phc_strings_both_ways() -> Result<(), String> {
        let ours = hash(b"correct horse battery")?;
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).map_err(|e| e.to_string())?;
        assert!(Argon2::default()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        assert!(verify(b"correct horse battery", &ours));
        assert!(!verify(b"correct horse batterz", &ours));

        // A hash made the usual way, with other costs, verifies here too.
        let cheap = Params::new(1024, 1, 1, None).map_err(|e| e.to_string())?;
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, cheap)
            .hash_password(b"pw", &SaltString::generate(&mut OsRng))
            .map_err(|e| e.to_string())?
            .to_string();
        assert!(verify(b"pw", &theirs));
        assert!(!verify(b"px", &theirs));

        // The scratch memory went back to the pool (the only other test here never hashes).
        let standard = params().map_err(|e| e.to_string())?.block_count();
        let pool = POOL.lock().map_err(|e| e.to_string())?;
        assert!(!pool.is_empty() && pool.len() <= POOL_SIZE);
        assert!(pool.iter().all(|b| b.len() == standard));
        Ok(())
    }

    #[test]
    fn malformed_hashes_never_match() {
        for phc in [
            "",
            "$argon2id$",
            "plain",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
        ] {
            assert!(!verify(b"", phc), "{phc}");
        }
    }
}
