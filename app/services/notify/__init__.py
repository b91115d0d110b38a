"""Notifications for everyone whose work it is: who can act now (``audience``), in-app rows and
their mails (``deliver``), composing and sending mail (``mail``), the daily digest (``digest``)."""
