//! Document lines as orders and invoices keep them (`order_line`, `invoice_line`): each line as
//! written, with its figures rounded to the document's decimals, written anew whenever the
//! document's lines change.

use domain::money::Line;
use sqlx::query_builder::Separated;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

/// A table of document lines: the columns every line has, then the table's own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineTable {
    pub table: &'static str,
    /// The column naming the document.
    pub document: &'static str,
    /// The table's own columns, bound by the caller of [`LineTable::write`].
    pub own: &'static str,
}

impl LineTable {
    /// Replaces the lines of document `id` by `lines` (`line` gives each one's [`Line`];
    /// `own` binds the table's own columns of each).
    pub(crate) async fn write<'a, L>(
        &self,
        tx: &mut PgConnection,
        id: Uuid,
        lines: &'a [L],
        decimals: u32,
        line: impl Fn(&'a L) -> &'a Line,
        own: impl Fn(&mut Separated<'_, 'a, Postgres, &'static str>, &'a L),
    ) -> Result<(), sqlx::Error> {
        let LineTable {
            table,
            document,
            own: own_columns,
        } = *self;
        sqlx::query(&format!("delete from {table} where {document} = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut sql = QueryBuilder::<Postgres>::new(format!(
            "insert into {table} ({document}, line_no, product_id, description, quantity,
                                  unit_price, discount, taxes, untaxed, tax, total, {own_columns}) "
        ));
        sql.push_values(lines.iter().enumerate(), |mut row, (n, item)| {
            let written = line(item);
            let amounts = written.amounts(written.quantity, decimals);
            let taxes: Vec<String> = written.taxes.iter().map(|t| t.code.to_string()).collect();
            row.push_bind(id)
                .push_bind(i32::try_from(n).unwrap_or(i32::MAX))
                .push_bind(written.product)
                .push_bind(&written.description)
                .push_bind(written.quantity)
                .push_bind(written.unit_price)
                .push_bind(written.discount)
                .push_bind(taxes)
                .push_bind(amounts.untaxed)
                .push_bind(amounts.tax)
                .push_bind(amounts.total);
            own(&mut row, item);
        });
        sql.build().execute(&mut *tx).await?;
        Ok(())
    }
}
