"""The bundled model, shipped as package data (``classifier.models``)."""
