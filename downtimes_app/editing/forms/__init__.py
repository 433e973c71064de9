"""The schedule form, in parts that each do one job.

- `values`: the form's choices, how its times and tags are written, and form data;
- `downtime`: the Django forms, which only validate;
- `draft`: a posted form validated as a whole, read as a typed `Definition`;
- `controls`: each recurrence's repeat controls and raw RRULE kept in step;
- `prefill`: forms filled from a link (and the link for a form), or from a downtime.
"""
