use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resumes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub candidate_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub text: String,
    /// The engine that read `text` (`services::extract::Engine`); null for resumes stored
    /// before engines were recorded.
    pub text_engine: Option<String>,
    /// OCR's mean word confidence (0 to 100) when `text_engine` is `ocr` and the scan was read;
    /// null otherwise and while it waits to be read.
    pub ocr_confidence: Option<f64>,
    /// Pages of the scan, once OCR counted them, and pages read so far.
    pub ocr_pages: Option<i32>,
    pub ocr_pages_done: Option<i32>,
    /// The Tesseract languages the scan was read with (`eng`, `deu+eng`, ...).
    pub ocr_languages: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
