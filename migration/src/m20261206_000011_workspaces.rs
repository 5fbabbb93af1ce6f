//! Workspaces: candidates, resumes, conversations, usage and analysis jobs belong to a workspace,
//! which users join as members with a role (`owner`, `admin`, `recruiter`, `viewer`).
//!
//! Every user gets a personal workspace whose id is the user's own id, so the existing rows move
//! in without a lookup table: a candidate's `workspace_id` is its uploader's (`owner_id`), a
//! conversation's and a usage row's their user's. Nothing is deleted or rewritten but the new
//! columns. `users.current_workspace_id` remembers the workspace a user last switched to (null:
//! the personal one). An invite may name a workspace and a role (`invites.workspace_id`,
//! `invites.role`): using it joins that workspace, at sign-up or later.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Fills the new columns from the old ones; plain SQL that both engines read alike.
const BACKFILL: &[&str] = &[
    "INSERT INTO workspaces (id, name, personal, created_by, created_at, updated_at)
        SELECT id, 'Personal', TRUE, id, created_at, created_at FROM users
        WHERE id NOT IN (SELECT id FROM workspaces)",
    "INSERT INTO workspace_members (workspace_id, user_id, role, created_at)
        SELECT id, id, 'owner', created_at FROM users
        WHERE id NOT IN (SELECT user_id FROM workspace_members WHERE workspace_id = users.id)",
    "UPDATE candidates SET workspace_id = owner_id WHERE workspace_id IS NULL",
    "UPDATE conversations SET workspace_id = user_id WHERE workspace_id IS NULL",
    "UPDATE ai_usage SET workspace_id = user_id WHERE workspace_id IS NULL",
    "UPDATE analysis_jobs SET workspace_id = owner_id WHERE workspace_id IS NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let at = |column: Workspaces| {
            ColumnDef::new(column)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Workspaces::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Workspaces::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Workspaces::Personal)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Workspaces::CreatedBy).uuid().not_null())
                    .col(at(Workspaces::CreatedAt))
                    .col(at(Workspaces::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceMembers::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorkspaceMembers::WorkspaceId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkspaceMembers::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(WorkspaceMembers::Role)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkspaceMembers::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(WorkspaceMembers::WorkspaceId)
                            .col(WorkspaceMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkspaceMembers::Table, WorkspaceMembers::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkspaceMembers::Table, WorkspaceMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_workspace_members_user")
                    .table(WorkspaceMembers::Table)
                    .col(WorkspaceMembers::UserId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        add_uuid_column(manager, Users::Table, Users::CurrentWorkspaceId).await?;
        add_uuid_column(manager, Candidates::Table, Candidates::WorkspaceId).await?;
        add_uuid_column(manager, Conversations::Table, Conversations::WorkspaceId).await?;
        add_uuid_column(manager, AiUsage::Table, AiUsage::WorkspaceId).await?;
        add_uuid_column(manager, AnalysisJobs::Table, AnalysisJobs::WorkspaceId).await?;
        add_uuid_column(manager, Invites::Table, Invites::WorkspaceId).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invites::Table)
                    .add_column(ColumnDef::new(Invites::Role).string_len(16).null())
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        for sql in BACKFILL {
            db.execute_unprepared(sql).await?;
        }

        // The candidate list's order and cursors, now per workspace; conversations per member.
        manager
            .create_index(
                Index::create()
                    .name("idx_candidates_workspace_created_id")
                    .table(Candidates::Table)
                    .col(Candidates::WorkspaceId)
                    .col(Candidates::CreatedAt)
                    .col(Candidates::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conversations_workspace_user")
                    .table(Conversations::Table)
                    .col(Conversations::WorkspaceId)
                    .col(Conversations::UserId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ai_usage_workspace_created")
                    .table(AiUsage::Table)
                    .col(AiUsage::WorkspaceId)
                    .col(AiUsage::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, index) in [
            (AiUsage::Table.into_iden(), "idx_ai_usage_workspace_created"),
            (
                Conversations::Table.into_iden(),
                "idx_conversations_workspace_user",
            ),
            (
                Candidates::Table.into_iden(),
                "idx_candidates_workspace_created_id",
            ),
        ] {
            manager
                .drop_index(Index::drop().name(index).table(table).to_owned())
                .await?;
        }
        for (table, column) in [
            (Invites::Table.into_iden(), Invites::Role.into_iden()),
            (Invites::Table.into_iden(), Invites::WorkspaceId.into_iden()),
            (
                AnalysisJobs::Table.into_iden(),
                AnalysisJobs::WorkspaceId.into_iden(),
            ),
            (AiUsage::Table.into_iden(), AiUsage::WorkspaceId.into_iden()),
            (
                Conversations::Table.into_iden(),
                Conversations::WorkspaceId.into_iden(),
            ),
            (
                Candidates::Table.into_iden(),
                Candidates::WorkspaceId.into_iden(),
            ),
            (
                Users::Table.into_iden(),
                Users::CurrentWorkspaceId.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(WorkspaceMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Workspaces::Table).to_owned())
            .await
    }
}

async fn add_uuid_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(ColumnDef::new(column).uuid().null())
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Name,
    Personal,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WorkspaceMembers {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    CurrentWorkspaceId,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
    WorkspaceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    WorkspaceId,
    UserId,
}

#[derive(DeriveIden)]
enum AiUsage {
    Table,
    WorkspaceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    WorkspaceId,
    Role,
}

#[derive(DeriveIden)]
enum AnalysisJobs {
    Table,
    WorkspaceId,
}
