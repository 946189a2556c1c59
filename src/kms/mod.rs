//! AWS KMS concepts: key identifiers, key specs and usages, the key-type
//! advisor and the cost model. Pure functions, no I/O.

pub mod advisor;
pub mod cost;
pub mod identifier;
pub mod json;
pub mod spec;

pub use advisor::{Alternative, Answers, KeyType, Recommendation, recommend_key_type};
pub use cost::{CostEstimate, CostInput, CostLine, estimate_cost};
pub use identifier::{IdentifierKind, KeyIdentifier, parse_key_identifier};
pub use spec::{Origin, Purpose};
