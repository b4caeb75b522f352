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
