use sea_orm_migration::prelude::*;

use crate::m20261123_000001_create_users_and_keys::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Candidates::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Candidates::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Candidates::OwnerId).uuid().not_null())
                    .col(ColumnDef::new(Candidates::Name).string().null())
                    .col(ColumnDef::new(Candidates::Email).string().null())
                    .col(ColumnDef::new(Candidates::CurrentTitle).string().null())
                    .col(ColumnDef::new(Candidates::Skills).text().not_null())
                    .col(ColumnDef::new(Candidates::Summary).text().null())
                    .col(ColumnDef::new(Candidates::Analysis).text().null())
                    .col(
                        ColumnDef::new(Candidates::AnalysisStatus)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Candidates::AnalysisError).text().null())
                    .col(ColumnDef::new(Candidates::KeySource).string().null())
                    .col(ColumnDef::new(Candidates::SearchText).text().not_null())
                    .col(
                        ColumnDef::new(Candidates::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Candidates::Table, Candidates::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_candidates_owner_created")
                    .table(Candidates::Table)
                    .col(Candidates::OwnerId)
                    .col(Candidates::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Resumes::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Resumes::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Resumes::CandidateId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Resumes::FileName).string().not_null())
                    .col(ColumnDef::new(Resumes::ContentType).string().not_null())
                    .col(ColumnDef::new(Resumes::Bytes).binary().not_null())
                    .col(ColumnDef::new(Resumes::Text).text().not_null())
                    .col(
                        ColumnDef::new(Resumes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Resumes::Table, Resumes::CandidateId)
                            .to(Candidates::Table, Candidates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Conversations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Conversations::UserId).uuid().not_null())
                    .col(ColumnDef::new(Conversations::Title).string().not_null())
                    .col(
                        ColumnDef::new(Conversations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Conversations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Conversations::Table, Conversations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Messages::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Messages::ConversationId).uuid().not_null())
                    .col(ColumnDef::new(Messages::Role).string().not_null())
                    .col(ColumnDef::new(Messages::Content).text().not_null())
                    .col(ColumnDef::new(Messages::Candidates).text().null())
                    .col(
                        ColumnDef::new(Messages::Incomplete)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Messages::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Messages::Table, Messages::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Messages::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(Conversations::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Resumes::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(Candidates::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
    OwnerId,
    Name,
    Email,
    CurrentTitle,
    Skills,
    Summary,
    Analysis,
    AnalysisStatus,
    AnalysisError,
    KeySource,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Resumes {
    Table,
    Id,
    CandidateId,
    FileName,
    ContentType,
    Bytes,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Id,
    UserId,
    Title,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    ConversationId,
    Role,
    Content,
    Candidates,
    Incomplete,
    CreatedAt,
}
