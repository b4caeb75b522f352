//! The standard event of the benchmarks, and fast ways to fill the log with it.

use std::collections::HashMap;

use cqrs_es::DomainEvent;
use domain::partner::{
    Address, Email, PartnerCommand, PartnerDetails, PartnerEvent, PartnerName, Phone, VatNumber,
};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// A realistic partner: its `PartnerCreated` payload is about 300 bytes of JSON.
pub fn details(n: u64) -> anyhow::Result<PartnerDetails> {
    Ok(PartnerDetails {
        name: PartnerName::parse(&format!("Agrolait Distribution {n}"))?,
        email: Some(Email::parse(&format!("purchasing.{n}@agrolait.example"))?),
        phone: Some(Phone::parse("+32 10 588 558")?),
        address: Address {
            street: Some("69 rue de Namur, Zoning industriel".to_owned()),
            city: Some("Wavre".to_owned()),
            zip: Some("1300".to_owned()),
            country: Some("BE".to_owned()),
        },
        vat: Some(VatNumber::parse("BE0477472701")?),
        is_customer: true,
        is_supplier: n.is_multiple_of(3),
        company: None,
        categories: Default::default(),
    })
}

pub fn create_command(n: u64) -> anyhow::Result<PartnerCommand> {
    Ok(PartnerCommand::CreatePartner {
        details: details(n)?,
    })
}

/// The event row a raw baseline writes: the same bytes our store writes for a command.
#[derive(Clone)]
pub struct RawEvent {
    pub event_type: String,
    pub payload: Value,
    pub metadata: Value,
}

impl RawEvent {
    pub fn created(n: u64) -> anyhow::Result<Self> {
        Self::of(&PartnerEvent::PartnerCreated {
            details: details(n)?,
        })
    }

    pub fn updated(n: u64) -> anyhow::Result<Self> {
        Self::of(&PartnerEvent::PartnerUpdated {
            details: details(n)?,
        })
    }

    fn of(event: &PartnerEvent) -> anyhow::Result<Self> {
        Ok(Self {
            event_type: event.event_type(),
            payload: serde_json::to_value(event)?,
            metadata: metadata(),
        })
    }
}

/// Metadata as the command bus writes it (about 200 bytes).
pub fn metadata() -> Value {
    let id = Uuid::now_v7().to_string();
    let map: HashMap<&str, String> = HashMap::from([
        ("user", "bench".to_owned()),
        ("command", "CreatePartner".to_owned()),
        ("command_id", id.clone()),
        ("correlation_id", id.clone()),
        ("causation_id", id),
        ("client", "erp-bench/0.1".to_owned()),
    ]);
    serde_json::to_value(map).unwrap_or(Value::Null)
}

/// Appends, in bulk, `per_stream` events to each of `streams` new streams of `aggregate_type`
/// (a creation, then updates), 1,000 rows per statement. Returns the stream ids.
pub async fn fill(
    pool: &PgPool,
    aggregate_type: &str,
    streams: usize,
    per_stream: usize,
) -> anyhow::Result<Vec<String>> {
    let created = RawEvent::created(1)?;
    let updated = RawEvent::updated(2)?;
    let ids: Vec<String> = (0..streams).map(|_| Uuid::now_v7().to_string()).collect();
    let mut rows: Vec<(String, i64, &RawEvent)> = Vec::with_capacity(streams * per_stream);
    for id in &ids {
        for sequence in 1..=per_stream {
            let event = if sequence == 1 { &created } else { &updated };
            rows.push((id.clone(), sequence as i64, event));
        }
    }
    for chunk in rows.chunks(1000) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
        let sequences: Vec<i64> = chunk.iter().map(|r| r.1).collect();
        let types: Vec<&str> = chunk.iter().map(|r| r.2.event_type.as_str()).collect();
        let payloads: Vec<String> = chunk.iter().map(|r| r.2.payload.to_string()).collect();
        let metadata: Vec<String> = chunk.iter().map(|r| r.2.metadata.to_string()).collect();
        sqlx::query(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             select $1, id, seq, ty, '1.0', p::json, m::json
               from unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) as t(id, seq, ty, p, m)",
        )
        .bind(aggregate_type)
        .bind(&ids)
        .bind(&sequences)
        .bind(&types)
        .bind(&payloads)
        .bind(&metadata)
        .execute(pool)
        .await?;
    }
    Ok(ids)
}

/// Like [`fill`] for partners, with every event hash-chained as the application chains them,
/// so the log verifies. Returns how many events were written.
pub async fn fill_chained(
    pool: &PgPool,
    streams: usize,
    per_stream: usize,
) -> anyhow::Result<usize> {
    use projections::chain::{link, Link, GENESIS};
    let created = RawEvent::created(1)?;
    let updated = RawEvent::updated(2)?;
    let texts = |e: &RawEvent| (e.payload.to_string(), e.metadata.to_string());
    let (created_text, updated_text) = (texts(&created), texts(&updated));
    let mut written = 0;
    let ids: Vec<String> = (0..streams).map(|_| Uuid::now_v7().to_string()).collect();
    for chunk in ids.chunks((1000 / per_stream.max(1)).max(1)) {
        // (stream, sequence, event type, payload and metadata text, hash)
        type Row<'a> = (String, i64, &'a str, &'a (String, String), Vec<u8>);
        let mut rows: Vec<Row> = Vec::new();
        // the time the hash covers, to the microsecond the database keeps
        let micros = chrono::Utc::now().timestamp_micros();
        let recorded_at = chrono::DateTime::from_timestamp_micros(micros)
            .ok_or_else(|| anyhow::anyhow!("the clock is out of range"))?;
        for id in chunk {
            let mut previous = GENESIS.to_vec();
            for sequence in 1..=per_stream as i64 {
                let (event, text) = if sequence == 1 {
                    (&created, &created_text)
                } else {
                    (&updated, &updated_text)
                };
                let hash = link(
                    &previous,
                    Link {
                        aggregate_type: "Partner",
                        aggregate_id: id,
                        sequence,
                        event_type: &event.event_type,
                        event_version: "1.0",
                        payload: &text.0,
                        metadata: &text.1,
                        recorded_at: Some(micros),
                    },
                )
                .to_vec();
                previous = hash.clone();
                rows.push((id.clone(), sequence, event.event_type.as_str(), text, hash));
            }
        }
        sqlx::query(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, hash, recorded_at)
             select 'Partner', id, seq, ty, '1.0', p::json, m::json, h, $7
               from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bytea[]) as t(id, seq, ty, p, m, h)",
        )
        .bind(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.3 .0.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.3 .1.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.4.clone()).collect::<Vec<_>>())
        .bind(recorded_at)
        .execute(pool)
        .await?;
        written += rows.len();
    }
    Ok(written)
}
