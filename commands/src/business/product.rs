//! Products: created and changed, each holding its internal reference (a claim).

use domain::claim::{key_id, Claim, ClaimCommand};
use domain::configuration::Settings;
use domain::product::{Product, ProductCommand, ProductDetails, ProductKind};
use domain::stock::{self, Stock};
use uuid::Uuid;

use crate::error::{ErrorCode, Failure};
use crate::work::Work;

use super::{claim, PRODUCT_REFERENCE};

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

/// Claims internal reference `reference` for product `id`: refused if another product has it.
pub(crate) async fn claim_reference(
    work: &mut Work,
    id: Uuid,
    reference: &str,
) -> Result<(), Failure> {
    let taken = || format!("another product has internal reference '{reference}'");
    let field = &["input", "reference"];
    claim(work, PRODUCT_REFERENCE, reference, id, taken, field).await
}

/// Replaces product `id`'s details; a new reference is claimed and the old one let go. A
/// stockable product stays one while any company has some of it on hand (its stock and its
/// value would vanish from the reports while the goods are still there).
pub async fn update_product(
    work: &mut Work,
    settings: &Settings,
    id: Uuid,
    expected_version: Option<u64>,
    details: ProductDetails,
) -> Result<(), Failure> {
    let product = work.get::<Product>(&id.to_string()).await?;
    let old = product.details().map(|d| d.reference.clone());
    let was_stockable = product
        .details()
        .is_some_and(|d| d.kind == ProductKind::Stockable);
    if was_stockable && details.kind != ProductKind::Stockable {
        for company in settings.all_companies().into_keys() {
            let stock = work.get::<Stock>(&stock::stream_id(&company, id)).await?;
            if !stock.on_hand().is_zero() {
                return Err(Failure::refused(
                    ErrorCode::InUse,
                    format!(
                        "{} of it are on hand (company '{company}'): a product stays stockable \
                         until its stock is counted to zero",
                        stock.on_hand()
                    ),
                )
                .at(&["input", "kind"]));
            }
        }
    }
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
