//! `views.*`: opening, pushing, updating modals and publishing Home tabs.

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::view::View;
use crate::web::{method, setters};

/// `views.open`: opens a modal, within 3 seconds of the `trigger_id`'s payload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Open {
    /// From the payload that asks for the modal.
    pub trigger_id: String,
    /// The modal.
    pub view: View,
}

impl Open {
    /// Opens `view` for `trigger_id`.
    pub fn new(trigger_id: impl Into<String>, view: View) -> Self {
        Open {
            trigger_id: trigger_id.into(),
            view,
        }
    }
}

method!(Open => "views.open", ViewResponse);

/// `views.push`: pushes a modal onto the stack of an open one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Push {
    /// From a payload of the open modal.
    pub trigger_id: String,
    /// The modal.
    pub view: View,
}

impl Push {
    /// Pushes `view` for `trigger_id`.
    pub fn new(trigger_id: impl Into<String>, view: View) -> Self {
        Push {
            trigger_id: trigger_id.into(),
            view,
        }
    }
}

method!(Push => "views.push", ViewResponse);

/// `views.update`: replaces a view, named by `view_id` or `external_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Update {
    /// The new view.
    pub view: View,
    /// The view's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_id: Option<String>,
    /// The view's `external_id`, instead of `view_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The `hash` last seen: the update fails with `hash_conflict` if the view changed since.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl Update {
    /// Replaces view `view_id` with `view`.
    pub fn new(view_id: impl Into<String>, view: View) -> Self {
        Update {
            view,
            view_id: Some(view_id.into()),
            external_id: None,
            hash: None,
        }
    }

    /// Replaces the view with `external_id`.
    pub fn by_external_id(external_id: impl Into<String>, view: View) -> Self {
        Update {
            view,
            view_id: None,
            external_id: Some(external_id.into()),
            hash: None,
        }
    }
}

setters!(Update { hash: String });
method!(Update => "views.update", ViewResponse);

/// `views.publish`: sets a user's Home tab.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Publish {
    /// Whose Home tab.
    pub user_id: String,
    /// The `home` view.
    pub view: View,
    /// The `hash` last seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl Publish {
    /// Publishes `view` as `user_id`'s Home tab.
    pub fn new(user_id: impl Into<String>, view: View) -> Self {
        Publish {
            user_id: user_id.into(),
            view,
            hash: None,
        }
    }
}

setters!(Publish { hash: String });
method!(Publish => "views.publish", ViewResponse);

/// The response of every `views.*` method: the view as Slack now has it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewResponse {
    /// The view, with `id` and `hash`.
    #[serde(default)]
    pub view: View,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
