"""The schedule form, in parts that each do one job.

- `values`: the form's choices, how its times and tags are written, and form data;
- `downtime`: the Django forms, which only validate;
- `draft`: a posted form validated as a whole, read as a typed `Definition`;
- `repeat`: a recurrence's repeat controls and its RRULE text, each written from the other (pure);
- `recurrences`: each posted recurrence's controls and raw RRULE kept in step, and the list of them;
- `prefill`: forms filled from a link (and the link for a form), or from a downtime.
"""
