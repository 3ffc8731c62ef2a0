//! [`AnalyticsStore`](crate::store::AnalyticsStore) backends, one Cargo
//! feature each.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// The stored form of a bucket (JSON, the bucket's own self-checking serde
/// format), and the bucket it decodes to, checked against its key.
#[cfg(any(feature = "sqlite", feature = "dynamodb"))]
pub(crate) mod codec {
    use crate::store::StoreError;
    use crate::{Bucket, BucketKey};

    pub(crate) fn encode(bucket: &Bucket) -> Result<Vec<u8>, StoreError> {
        serde_json::to_vec(bucket)
            .map_err(|e| StoreError::Invalid(format!("cannot serialise a bucket: {e}")))
    }

    pub(crate) fn decode(blob: &[u8], key: &BucketKey) -> Result<Bucket, StoreError> {
        let bucket: Bucket = serde_json::from_slice(blob).map_err(|e| {
            StoreError::Corrupt(format!(
                "{} {} bucket at {}: {e}",
                key.account,
                key.granularity.as_str(),
                key.start
            ))
        })?;
        if bucket.key() != key {
            return Err(StoreError::Corrupt(format!(
                "the row of {} {} at {} holds another bucket",
                key.account,
                key.granularity.as_str(),
                key.start
            )));
        }
        Ok(bucket)
    }
}
