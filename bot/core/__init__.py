"""The ground floor: models, errors, settings and text rules that every other layer uses; imports nothing of newsbot."""
