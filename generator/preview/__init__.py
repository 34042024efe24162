"""``rundbrief serve``: the editors' local preview of the site and the emails, drafts included."""
