"""Pilotflow (试点通): the e-government pilot programme's approval workflow engine.

The app is made by ``app.factory.create_app``; this package's own module stays empty, because it
runs whenever any ``app.x`` is imported."""
