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
                    .table(AiUsage::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(AiUsage::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AiUsage::UserId).uuid().not_null())
                    .col(ColumnDef::new(AiUsage::KeySource).string().not_null())
                    .col(ColumnDef::new(AiUsage::Provider).string().not_null())
                    .col(ColumnDef::new(AiUsage::Model).string().not_null())
                    .col(ColumnDef::new(AiUsage::Feature).string().not_null())
                    .col(ColumnDef::new(AiUsage::PromptTokens).integer().not_null())
                    .col(
                        ColumnDef::new(AiUsage::CompletionTokens)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AiUsage::LatencyMs).integer().not_null())
                    .col(ColumnDef::new(AiUsage::Status).string().not_null())
                    .col(
                        ColumnDef::new(AiUsage::RemainingRequests)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(AiUsage::LimitRequests).big_integer().null())
                    .col(
                        ColumnDef::new(AiUsage::RemainingTokens)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(AiUsage::LimitTokens).big_integer().null())
                    .col(ColumnDef::new(AiUsage::ResetRequests).string().null())
                    .col(
                        ColumnDef::new(AiUsage::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ai_usage_user_created")
                    .table(AiUsage::Table)
                    .col(AiUsage::UserId)
                    .col(AiUsage::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditEvents::UserId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::Event).string().not_null())
                    .col(ColumnDef::new(AuditEvents::Provider).string().null())
                    .col(ColumnDef::new(AuditEvents::Detail).string().null())
                    .col(ColumnDef::new(AuditEvents::Ip).string().null())
                    .col(ColumnDef::new(AuditEvents::UserAgent).string().null())
                    .col(
                        ColumnDef::new(AuditEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditEvents::Table, AuditEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_user_created")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::UserId)
                    .col(AuditEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuditEvents::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AiUsage::Table).if_exists().to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AiUsage {
    Table,
    Id,
    UserId,
    KeySource,
    Provider,
    Model,
    Feature,
    PromptTokens,
    CompletionTokens,
    LatencyMs,
    Status,
    RemainingRequests,
    LimitRequests,
    RemainingTokens,
    LimitTokens,
    ResetRequests,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    UserId,
    Event,
    Provider,
    Detail,
    Ip,
    UserAgent,
    CreatedAt,
}
