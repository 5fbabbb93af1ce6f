//! Invite-only sign-up and sessions that can be ended: an `invites` table (each token stored
//! only as its SHA-256) and a per-user session generation that every session token carries.
//! Raising a user's generation ends every token issued before.
use sea_orm_migration::prelude::*;

use crate::m20261123_000001_create_users_and_keys::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(UsersSession::SessionGeneration)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invites::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Invites::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Invites::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Invites::Email).string().null())
                    .col(ColumnDef::new(Invites::CreatedBy).uuid().null())
                    .col(
                        ColumnDef::new(Invites::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invites::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invites::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Invites::UsedBy).uuid().null())
                    .col(
                        ColumnDef::new(Invites::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invites::Table, Invites::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invites::Table, Invites::UsedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invites_created")
                    .table(Invites::Table)
                    .col(Invites::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Invites::Table).if_exists().to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UsersSession::SessionGeneration)
                    .to_owned(),
            )
            .await
    }
}

/// The column this migration adds to `users`.
#[derive(DeriveIden)]
enum UsersSession {
    SessionGeneration,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Id,
    TokenHash,
    Email,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    UsedBy,
    RevokedAt,
}
