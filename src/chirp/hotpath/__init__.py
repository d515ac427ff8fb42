"""The hot read path: warm timeline pages and statuses answered from process memory."""
