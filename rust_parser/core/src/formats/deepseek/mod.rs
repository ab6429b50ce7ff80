//! The DeepSeek family: R1 and V3 (`function<｜tool▁sep｜>NAME` + a fenced JSON block), V3.1
//! (`NAME<｜tool▁sep｜>{…}`), whose shared tool section is [`section`], and V3.2's DSML.

pub(crate) mod r1;
mod section;
pub(crate) mod v3;
pub(crate) mod v31;
pub(crate) mod v32;
