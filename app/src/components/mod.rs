pub mod error_view;
pub mod form;
pub mod layout;
pub mod loaded;
pub mod markdown;
pub mod test_result;
pub mod time;
pub mod usage_chart;
