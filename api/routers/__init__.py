"""One router per resource; each route is a few lines around :func:`api.answer.answer`."""
