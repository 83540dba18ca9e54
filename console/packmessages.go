package console

// packMessages are the pack editor's English messages, added to the
// catalogue at init so the editor's ids live with the editor.
var packMessages = map[string]string{
	"nav.pack":               "Campaign pack",
	"pack.title":             "Campaign pack",
	"pack.in_git":            "The pack is kept in git (OUTREACH_CAMPAIGNS is set): the console does not activate packs. Edit a draft, preview it, forecast it, then download it and commit the files; a deploy or SIGHUP activates them.",
	"pack.approval_required": "Approval is required (OUTREACH_PACK_APPROVAL=required): an admin other than the draft's author approves it before activation.",
	"pack.active":            "Active pack",
	"pack.version":           "Version",
	"pack.none":              "No pack is stored yet: serve stores its pack when it starts.",
	"pack.draft_name":        "Draft name",
	"pack.new_draft":         "Start a draft from the active pack",
	"pack.drafts":            "Drafts",
	"pack.draft":             "Draft",
	"pack.author":            "Author",
	"pack.updated":           "Saved",
	"pack.state":             "State",
	"pack.activated_as":      "Activated as version",
	"pack.approved_by":       "Approved by",
	"pack.draft_state":       "Draft",
	"pack.no_drafts":         "No drafts yet.",
	"pack.versions":          "Version history",
	"pack.activated":         "Activated",
	"pack.hash":              "Content hash",
	"pack.draft_title":       "Edit a pack draft",
	"pack.back":              "All drafts and versions",
	"pack.based_on":          "started from version",
	"pack.saved":             "Draft saved.",
	"pack.conflict_kept":     "Your text is still in the form below, unsaved. Compare it with the saved draft (open it in another tab), then save again to replace it.",
	"pack.valid":             "The draft validates.",
	"pack.invalid":           "The draft does not validate:",
	"pack.line":              "line",
	"pack.add_file":          "Add a file",
	"pack.new_path":          "Path of the new file",
	"pack.new_content":       "Its content",
	"pack.validate":          "Validate",
	"pack.save":              "Save draft",
	"pack.download":          "Download the files (.tar) to commit",
	"pack.needs_approval":    "This draft needs the approval of an admin other than its author before it can be activated.",
	"pack.approve":           "Approve this revision",
	"pack.activate":          "Activate",
	"pack.activate_confirm":  "Activate this draft as the next pack version on every replica?",
	"pack.is_active":         "active",
	"pack.rollback":          "Activate again: roll back to version",
	"pack.rollback_confirm":  "Activate this version's files again as a new version?",
	"pack.diff_with":         "Changes since version",
	"pack.diff_first":        "First stored version",
	"pack.no_changes":        "No file changed.",
	"pack.created":           "new file",
	"pack.deleted":           "removed",
}

func init() {
	for id, msg := range packMessages {
		catalogue["en"][id] = msg
	}
}
