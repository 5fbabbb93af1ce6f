use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who uploaded the candidate.
    pub owner_id: Uuid,
    /// The workspace the candidate belongs to.
    pub workspace_id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub current_title: Option<String>,
    /// JSON array of skill names.
    pub skills: String,
    pub summary: Option<String>,
    /// The validated analysis JSON.
    pub analysis: Option<String>,
    pub analysis_status: String,
    pub analysis_error: Option<String>,
    pub key_source: Option<String>,
    /// Name, title, skills, summary and resume text, lower-cased, for search.
    pub search_text: String,
    /// JSON array of `types::candidates::CandidateWarning`; null when there are none.
    pub warnings: Option<String>,
    /// The analysis judged the upload not a resume; cleared when a person keeps it.
    pub not_a_resume: bool,
    /// The email lower-cased: an upload with the same one is the same person.
    pub email_key: Option<String>,
    /// The phone number in E.164 form (`+` and digits): an upload with the same one is the same
    /// person.
    pub phone_key: Option<String>,
    /// The name without case, accents or word order, for possible duplicates.
    pub name_key: Option<String>,
    /// The analysis's seniority, lower-cased, for the list's filter.
    pub seniority: Option<String>,
    /// The analysis's years of experience, for the list's filter.
    pub years_experience: Option<f64>,
    /// The newest timeline event's time, for the list's "last activity" order.
    pub last_activity_at: Option<DateTimeUtc>,
    /// Fields a person corrected: a JSON object of field name to value (`""` for "none"); a
    /// re-analysis keeps them.
    pub corrections: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
