"""Work that happens by itself around time limits: the daily reminder and escalation scan
(``reminders``) and a supervisor's 催办 (``urging``)."""
