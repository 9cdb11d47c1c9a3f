"""The police complaints process in England and Wales, as data, with its deadlines."""
