//! Demo data: a small company's partners ([`load`]), its books and ten weeks of its business
//! ([`business`]), created through the same commands a user sends.

mod business;

pub use business::{business, DEMO_COMPANY, NORTH};

use domain::code::Code;
use domain::partner::{
    Address, Email, PartnerChanges, PartnerCommand, PartnerDetails, PartnerName, Phone, VatNumber,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::bus::{CommandBus, CommandContext};

struct DemoPartner {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    street: &'static str,
    city: &'static str,
    zip: &'static str,
    country: &'static str,
    vat: &'static str,
    customer: bool,
    supplier: bool,
}

/// The demo partners' category: the region of their country.
fn region(country: &str) -> &'static str {
    match country {
        "BE" | "CH" | "FR" | "GB" | "LU" => "region.europe",
        "CN" | "TW" => "region.asia",
        _ => "region.america",
    }
}

const PARTNERS: &[DemoPartner] = &[
    DemoPartner {
        name: "Agrolait",
        email: "info@agrolait.example",
        phone: "+32 10 588 558",
        street: "69 rue de Namur",
        city: "Wavre",
        zip: "1300",
        country: "BE",
        vat: "BE0477472701",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "ASUSTeK",
        email: "sales@asustek.example",
        phone: "+886 2 2894 3447",
        street: "31 Hong Kong street",
        city: "Taipei",
        zip: "106",
        country: "TW",
        vat: "",
        customer: false,
        supplier: true,
    },
    DemoPartner {
        name: "Camptocamp",
        email: "contact@camptocamp.example",
        phone: "+41 21 619 10 10",
        street: "PSE-A, EPFL",
        city: "Lausanne",
        zip: "1015",
        country: "CH",
        vat: "CHE123456789",
        customer: true,
        supplier: true,
    },
    DemoPartner {
        name: "China Export",
        email: "export@chinaexport.example",
        phone: "+86 21 6484 5671",
        street: "52 Chop Suey street",
        city: "Shanghai",
        zip: "200000",
        country: "CN",
        vat: "",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "Delta PC",
        email: "delta@deltapc.example",
        phone: "+32 3 541 23 12",
        street: "3 Rue du Flosch",
        city: "Fleurus",
        zip: "6220",
        country: "BE",
        vat: "BE0432100598",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "Distrib PC",
        email: "info@distribpc.example",
        phone: "+33 1 47 08 50 00",
        street: "42 rue de la Lesse",
        city: "Paris",
        zip: "75002",
        country: "FR",
        vat: "FR40303265045",
        customer: false,
        supplier: true,
    },
    DemoPartner {
        name: "Ecole de Commerce de Liège",
        email: "secretariat@ecl.example",
        phone: "+32 4 232 72 11",
        street: "2 Quai du Barbou",
        city: "Liège",
        zip: "4020",
        country: "BE",
        vat: "",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "Elec Import",
        email: "orders@elecimport.example",
        phone: "+32 2 513 00 12",
        street: "23 Rue du Commerce",
        city: "Brussels",
        zip: "1000",
        country: "BE",
        vat: "BE0421338211",
        customer: false,
        supplier: true,
    },
    DemoPartner {
        name: "Mediapole SPRL",
        email: "hello@mediapole.example",
        phone: "+32 71 12 34 56",
        street: "12 Rue des Pêcheurs",
        city: "Charleroi",
        zip: "6000",
        country: "BE",
        vat: "BE0448941289",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "NotSoTiny SARL",
        email: "bonjour@notsotiny.example",
        phone: "+352 26 12 34",
        street: "1 Avenue de la Gare",
        city: "Luxembourg",
        zip: "1611",
        country: "LU",
        vat: "LU19647148",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "Seagate",
        email: "supply@seagate.example",
        phone: "+1 831 438 6550",
        street: "920 Disc Drive",
        city: "Scotts Valley",
        zip: "95066",
        country: "US",
        vat: "",
        customer: false,
        supplier: true,
    },
    DemoPartner {
        name: "The Jackson Group",
        email: "jackson@jacksongroup.example",
        phone: "+44 20 7946 0321",
        street: "11 Baker Street",
        city: "London",
        zip: "NW1 6XE",
        country: "GB",
        vat: "GB123456782",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "Think Big Systems",
        email: "it@thinkbig.example",
        phone: "+32 2 290 34 90",
        street: "89 Rue Royale",
        city: "Brussels",
        zip: "1000",
        country: "BE",
        vat: "BE0419052272",
        customer: true,
        supplier: false,
    },
    DemoPartner {
        name: "Vicking Direct",
        email: "direct@vicking.example",
        phone: "+32 2 555 12 12",
        street: "Schoonmansveld 28",
        city: "Puurs",
        zip: "2870",
        country: "BE",
        vat: "",
        customer: false,
        supplier: true,
    },
];

/// Fills an empty database with demo partners, one of them changed and one archived so their
/// history shows. Does nothing if partners exist already. Returns how many it created.
pub async fn load(pool: &PgPool, bus: &CommandBus) -> anyhow::Result<usize> {
    let any: bool =
        sqlx::query_scalar("select exists (select 1 from events where aggregate_type = 'Partner')")
            .fetch_one(pool)
            .await?;
    if any {
        return Ok(0);
    }
    let context = CommandContext::system("demo");
    let mut ids = Vec::new();
    for partner in PARTNERS {
        let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let details = PartnerDetails {
            name: PartnerName::parse(partner.name)?,
            email: Some(Email::parse(partner.email)?),
            phone: Some(Phone::parse(partner.phone)?),
            address: Address {
                street: optional(partner.street),
                city: optional(partner.city),
                zip: optional(partner.zip),
                country: optional(partner.country),
            },
            vat: (!partner.vat.is_empty())
                .then(|| VatNumber::parse(partner.vat))
                .transpose()?,
            is_customer: partner.customer,
            is_supplier: partner.supplier,
            company: None,
            categories: [Code::parse(region(partner.country))?].into(),
        };
        let id = Uuid::now_v7();
        bus.partner(id, PartnerCommand::CreatePartner { details }, &context)
            .await?;
        ids.push(id);
    }
    if let [first, .., last] = ids.as_slice() {
        let changes = PartnerChanges {
            name: Some(PartnerName::parse("Agrolait SA")?),
            is_supplier: Some(true),
            ..PartnerChanges::default()
        };
        bus.partner(
            *first,
            PartnerCommand::UpdatePartner {
                expected_version: Some(1),
                changes,
            },
            &context,
        )
        .await?;
        bus.partner(
            *last,
            PartnerCommand::ArchivePartner {
                expected_version: Some(1),
            },
            &context,
        )
        .await?;
    }
    Ok(ids.len())
}
