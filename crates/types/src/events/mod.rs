//! The Events API: the `event_callback` envelope payload and the events it carries.

mod callback;
mod event;
mod kinds;

pub use callback::{Authorization, EventCallback};
pub use event::Event;
pub use kinds::{
    AppHomeOpened, AppUninstalled, ChannelArchive, ChannelChange, FileShared, FunctionExecuted,
    LinkShared, MemberChannel, Reaction, ReactionItem, RevokedTokens, SharedLink, TokensRevoked,
    UserChange,
};
