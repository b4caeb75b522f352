//! Products: created and changed, each holding its internal reference (a claim).

use domain::claim::{key_id, Claim, ClaimCommand};
use domain::product::{Product, ProductCommand, ProductDetails};
use uuid::Uuid;

use crate::error::{ErrorCode, Failure};
use crate::work::Work;

use super::PRODUCT_REFERENCE;

/// Creates product `id`, claiming its reference.
pub async fn create_product(
    work: &mut Work,
    id: Uuid,
    details: ProductDetails,
) -> Result<(), Failure> {
    claim_reference(work, id, &details.reference).await?;
    work.decide::<Product>(&id.to_string(), ProductCommand::CreateProduct { details })
        .await?;
    Ok(())
}

pub(crate) async fn claim_reference(
    work: &mut Work,
    id: Uuid,
    reference: &str,
) -> Result<(), Failure> {
    work.decide::<Claim>(
        &key_id(PRODUCT_REFERENCE, reference),
        ClaimCommand::Claim { owner: id },
    )
    .await
    .map_err(|_| {
        Failure::refused(
            ErrorCode::AlreadyExists,
            format!("another product has internal reference '{reference}'"),
        )
        .at(&["input", "reference"])
    })?;
    Ok(())
}

/// Replaces product `id`'s details; a new reference is claimed and the old one let go.
pub async fn update_product(
    work: &mut Work,
    id: Uuid,
    expected_version: Option<u64>,
    details: ProductDetails,
) -> Result<(), Failure> {
    let product = work.get::<Product>(&id.to_string()).await?;
    let old = product.details().map(|d| d.reference.clone());
    if let Some(old) = old.filter(|old| *old != details.reference) {
        claim_reference(work, id, &details.reference).await?;
        work.decide::<Claim>(
            &key_id(PRODUCT_REFERENCE, &old),
            ClaimCommand::Release { owner: id },
        )
        .await?;
    }
    work.decide::<Product>(
        &id.to_string(),
        ProductCommand::UpdateProduct {
            expected_version,
            details,
        },
    )
    .await?;
    Ok(())
}
