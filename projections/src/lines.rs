//! Document lines as orders and invoices keep them (`order_line`, `invoice_line`): each line as
//! written, with its figures rounded to the document's decimals, written anew whenever the
//! document's lines change.

use domain::money::DocumentLine;
use sqlx::postgres::PgRow;
use sqlx::query_builder::Separated;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

/// `line_row! { OrderLineRow { order_id; goods: bool, .. } }` (doc comments allowed on the row
/// and on its own columns): the row of a line table (see [`LineTable`]): the document's id, the
/// columns every line has, then the table's own (named as in [`LineTable::own`]).
macro_rules! line_row {
    (
        $(#[$meta:meta])*
        $row:ident { $document:ident; $($(#[$own_meta:meta])* $own:ident: $own_type:ty),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
        pub struct $row {
            pub $document: ::uuid::Uuid,
            /// The line's number in its document, from 0.
            pub line_no: i32,
            pub product_id: Option<::uuid::Uuid>,
            pub description: String,
            pub quantity: ::rust_decimal::Decimal,
            pub unit_price: ::rust_decimal::Decimal,
            /// Percent.
            pub discount: ::rust_decimal::Decimal,
            /// The codes of the line's taxes.
            pub taxes: Vec<String>,
            /// The line's figures, rounded to the document's decimals.
            pub untaxed: ::rust_decimal::Decimal,
            pub tax: ::rust_decimal::Decimal,
            pub total: ::rust_decimal::Decimal,
            $($(#[$own_meta])* pub $own: $own_type,)*
        }
    };
}
pub(crate) use line_row;

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
    /// Every column of the table.
    fn columns(&self) -> String {
        let LineTable { document, own, .. } = *self;
        format!(
            "{document}, line_no, product_id, description, quantity, unit_price, discount, taxes,
             untaxed, tax, total, {own}"
        )
    }

    /// The lines of the documents of `ids`, by document and line number.
    pub(crate) async fn read<'e, R>(
        &self,
        db: impl sqlx::PgExecutor<'e>,
        ids: &[Uuid],
    ) -> Result<Vec<R>, sqlx::Error>
    where
        R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let (table, document) = (self.table, self.document);
        sqlx::query_as(&format!(
            "select {} from {table} where {document} = any($1) order by {document}, line_no",
            self.columns()
        ))
        .bind(ids)
        .fetch_all(db)
        .await
    }

    /// Replaces the lines of document `id` by `lines` (`own` binds the table's own columns of
    /// each).
    pub(crate) async fn write<'a, L: DocumentLine>(
        &self,
        tx: &mut PgConnection,
        id: Uuid,
        lines: &'a [L],
        decimals: u32,
        own: impl Fn(&mut Separated<'_, 'a, Postgres, &'static str>, &'a L),
    ) -> Result<(), sqlx::Error> {
        let (table, document) = (self.table, self.document);
        sqlx::query(&format!("delete from {table} where {document} = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut sql =
            QueryBuilder::<Postgres>::new(format!("insert into {table} ({}) ", self.columns()));
        sql.push_values(lines.iter().enumerate(), |mut row, (n, item)| {
            let written = item.line();
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
