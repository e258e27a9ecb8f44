//! Action items written in the body instead of the front matter: the
//! bullets or table rows of a postmortem's own "Action items" section, read
//! when the front matter lists none (SPEC §1, "Adopting an existing
//! archive").

use crate::dates;
use crate::model::{ActionItem, ActionStatus};
use crate::sections::{self, Block};

/// The incident's action items: those of the front matter, else the
/// bullets or table rows of the body's `## Action items` section (SPEC §1,
/// "Adopting an existing archive").
pub fn or_from_body(front_matter: Vec<ActionItem>, body: &str) -> Vec<ActionItem> {
    if front_matter.is_empty() {
        from_body(body)
    } else {
        front_matter
    }
}

/// A heading that names the action items: "Action items" (also "Action
/// items and owners"), "Follow-ups", "Remediation", "Corrective actions",
/// in any case. THE rule: the items are read from the section it names,
/// and the incident page puts its table of tracked items after that
/// section (src/facts.rs).
pub fn is_actions_heading(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let joined = words.join(" ");
    joined.starts_with("action items ")
        || [
            "action items",
            "action item",
            "actions",
            "follow ups",
            "followups",
            "follow up items",
            "follow up actions",
            "follow up",
            "remediation",
            "remediations",
            "remediation items",
            "remediation steps",
            "remediation actions",
            "corrective actions",
            "corrective and preventive actions",
            "action items and follow ups",
        ]
        .iter()
        .any(|h| joined == *h)
}

/// The action items written in the body's `## Action items` section:
/// - a bullet is an item; `- [x]` is done, `- [ ]` open, a plain one
///   untracked;
/// - a table row is an item, its title from a column headed Action, Item,
///   Title, Task or Description (else the first column that names nothing
///   else), its owner, status and due date from columns headed
///   Owner/Assignee/Who, Status/State and Due/Deadline/ETA. A status that
///   is not one of ours ("blocked") leaves the item untracked.
pub fn from_body(body: &str) -> Vec<ActionItem> {
    let Some(s) = sections::find(body, is_actions_heading) else { return Vec::new() };
    let mut items = Vec::new();
    for block in &s.blocks {
        match block {
            Block::Item(it) => {
                if it.text.is_empty() {
                    continue;
                }
                let status = match it.task {
                    Some(true) => ActionStatus::Done,
                    Some(false) => ActionStatus::Open,
                    None => ActionStatus::Untracked,
                };
                items.push(ActionItem {
                    title: it.text.clone(),
                    owner: None,
                    status,
                    kind: None,
                    due: None,
                    link: None,
                });
            }
            Block::Table(t) => {
                let head: Vec<String> = t.header.iter().map(|h| h.to_lowercase()).collect();
                let find = |names: &[&str]| {
                    head.iter().position(|h| {
                        names
                            .iter()
                            .any(|n| h == n || h.starts_with(&format!("{n} ")) || h.starts_with(&format!("{n}(")))
                    })
                };
                let owner =
                    find(&["owner", "owners", "assignee", "assignees", "assigned to", "who", "responsible", "team"]);
                let status = find(&["status", "state", "done"]);
                let due = find(&["due", "due date", "deadline", "eta", "target date", "by when"]);
                let named = [owner, status, due];
                let title = find(&[
                    "action",
                    "action item",
                    "item",
                    "title",
                    "task",
                    "description",
                    "what",
                    "follow-up",
                    "remediation",
                    "summary",
                ])
                .or_else(|| (0..head.len()).find(|k| !named.contains(&Some(*k))));
                let Some(title) = title else { continue };
                for (_, cells) in &t.rows {
                    let cell = |k: Option<usize>| {
                        k.and_then(|k| cells.get(k))
                            .map(|c| c.trim())
                            .filter(|c| !c.is_empty() && !matches!(*c, "-" | "—" | "n/a" | "N/A" | "?"))
                    };
                    let Some(text) = cell(Some(title)) else { continue };
                    items.push(ActionItem {
                        title: text.to_string(),
                        owner: cell(owner).map(str::to_string),
                        status: cell(status).map_or(ActionStatus::Untracked, written_status),
                        kind: None,
                        due: cell(due).and_then(dates::parse_date),
                        link: None,
                    });
                }
            }
        }
    }
    items
}

/// A status as people write it in a table cell.
fn written_status(cell: &str) -> ActionStatus {
    let s: String = cell
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match s.as_str() {
        "open" | "todo" | "to do" | "not started" | "planned" | "new" | "pending" | "backlog" => ActionStatus::Open,
        "in progress" | "inprogress" | "doing" | "started" | "wip" | "ongoing" | "in review" => {
            ActionStatus::InProgress
        }
        "done" | "complete" | "completed" | "closed" | "fixed" | "resolved" | "finished" | "shipped" | "yes" => {
            ActionStatus::Done
        }
        "wont do" | "wontdo" | "won t do" | "wont fix" | "wontfix" | "won t fix" | "cancelled" | "canceled"
        | "declined" | "rejected" | "dropped" => ActionStatus::WontDo,
        _ if cell.contains('✅') || cell.contains('✔') => ActionStatus::Done,
        _ => ActionStatus::Untracked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_items_from_a_table_with_owner_status_and_due() {
        let body = "## Impact\n\n- not an action\n\n## Action Items\n\n| Action | Owner | Status | Due |\n|---|---|---|---|\n\
            | Add a **readiness** probe | @alice | Done | 2021-07-01 |\n| Pin the CNI version | SRE team | in progress | |\n| Write a runbook | | | |\n| Audit | bob | blocked | soon |\n";
        let items = from_body(body);
        let got: Vec<(&str, Option<&str>, ActionStatus, Option<String>)> = items
            .iter()
            .map(|i| (i.title.as_str(), i.owner.as_deref(), i.status, i.due.map(dates::iso_date)))
            .collect();
        assert_eq!(
            got,
            [
                ("Add a readiness probe", Some("@alice"), ActionStatus::Done, Some("2021-07-01".into())),
                ("Pin the CNI version", Some("SRE team"), ActionStatus::InProgress, None),
                ("Write a runbook", None, ActionStatus::Untracked, None),
                ("Audit", Some("bob"), ActionStatus::Untracked, None),
            ]
        );
    }

    #[test]
    fn action_items_from_bullets_and_task_lists() {
        let body = "### Follow-ups\n\n- [x] Rotate the key\n- [ ] Alert on expiry\n- Review the process\n  - sub-point\n\n## Appendix\n\n- not one\n";
        let items = from_body(body);
        let got: Vec<(&str, ActionStatus)> = items.iter().map(|i| (i.title.as_str(), i.status)).collect();
        assert_eq!(
            got,
            [
                ("Rotate the key", ActionStatus::Done),
                ("Alert on expiry", ActionStatus::Open),
                ("Review the process", ActionStatus::Untracked)
            ]
        );
        assert!(from_body("## Summary\n\n- x\n").is_empty());
        assert!(
            is_actions_heading("remediation")
                && is_actions_heading("Action Items")
                && is_actions_heading("Action items and owners")
                && is_actions_heading("Follow-ups")
                && !is_actions_heading("actions we did not take lightly")
                && !is_actions_heading("Lessons")
        );
        // The section is found whatever the heading's case.
        assert_eq!(from_body("## Action Items and owners\n\n- [ ] Alert on expiry\n").len(), 1);
        let front = vec![ActionItem {
            title: "t".into(),
            owner: None,
            status: ActionStatus::Open,
            kind: None,
            due: None,
            link: None,
        }];
        assert_eq!(or_from_body(front.clone(), body), front, "front matter wins");
    }
}
