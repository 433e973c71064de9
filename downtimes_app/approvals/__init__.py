"""Approvals: a second editor decides on the downtimes the policy holds (`policy.asking`).

`deciding` (approve: claimed once by one conditional UPDATE, then sent through the form's own
once-only saving; decline with a reason; expiry), `worker` (the Huey task that expires requests
nobody decided), `views` (`/approvals/` and each request's page, where its requester sees it).
"""
