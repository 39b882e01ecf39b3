"""A site that customises policy the way a site owner would: an adapter and a form class."""
