//! The team key and team rate limits.
//!
//! `workspace_keys` holds at most one provider key per workspace, sealed by the same vault as
//! personal keys but under associated data bound to the workspace (so a ciphertext copied into a
//! personal row, or into another workspace's, does not open). `workspaces` gains two limits, both
//! per minute and null when unset: `team_calls_per_minute` (calls on the team key by the whole
//! workspace) and `member_calls_per_minute` (calls on it by one member).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let at = |column: WorkspaceKeys| {
            ColumnDef::new(column)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceKeys::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkspaceKeys::WorkspaceId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WorkspaceKeys::Provider)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkspaceKeys::Ciphertext)
                            .binary()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkspaceKeys::Nonce).binary().not_null())
                    .col(
                        ColumnDef::new(WorkspaceKeys::KeyVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkspaceKeys::Preview).string().not_null())
                    .col(ColumnDef::new(WorkspaceKeys::Enabled).boolean().not_null())
                    .col(ColumnDef::new(WorkspaceKeys::Model).string().null())
                    .col(ColumnDef::new(WorkspaceKeys::BaseUrl).string().null())
                    .col(
                        ColumnDef::new(WorkspaceKeys::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WorkspaceKeys::ExpiredNotified)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(WorkspaceKeys::LastTestedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(WorkspaceKeys::LastTestOk).boolean().null())
                    .col(ColumnDef::new(WorkspaceKeys::UpdatedBy).uuid().null())
                    .col(at(WorkspaceKeys::CreatedAt))
                    .col(at(WorkspaceKeys::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkspaceKeys::Table, WorkspaceKeys::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            Workspaces::TeamCallsPerMinute,
            Workspaces::MemberCallsPerMinute,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Workspaces::Table)
                        .add_column(ColumnDef::new(column).integer().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Workspaces::MemberCallsPerMinute,
            Workspaces::TeamCallsPerMinute,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Workspaces::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(WorkspaceKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    TeamCallsPerMinute,
    MemberCallsPerMinute,
}

#[derive(DeriveIden)]
enum WorkspaceKeys {
    Table,
    WorkspaceId,
    Provider,
    Ciphertext,
    Nonce,
    KeyVersion,
    Preview,
    Enabled,
    Model,
    BaseUrl,
    ExpiresAt,
    ExpiredNotified,
    LastTestedAt,
    LastTestOk,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}
