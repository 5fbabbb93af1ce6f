//! Column, table and index builders the newer migrations share.
use sea_orm_migration::prelude::*;

pub(crate) fn id(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .uuid()
        .not_null()
        .to_owned()
}

pub(crate) fn at(name: &str, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.timestamp_with_time_zone();
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

pub(crate) fn string(name: &str, len: u32, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.string_len(len);
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

pub(crate) fn text(name: &str, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.text();
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

pub(crate) fn int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .to_owned()
}

pub(crate) fn big(name: &str, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(Alias::new(name));
    c.big_integer();
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c.to_owned()
}

pub(crate) fn flag(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

pub(crate) fn table(name: &str, cols: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(Alias::new(name)).if_not_exists();
    for mut c in cols {
        t.col(&mut c);
    }
    t.to_owned()
}

pub(crate) fn index(name: &str, on: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(Alias::new(on)).if_not_exists();
    for c in cols {
        i.col(Alias::new(*c));
    }
    i.to_owned()
}
