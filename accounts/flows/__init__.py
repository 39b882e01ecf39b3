"""The account flows: where the work, the mails and the signals of each flow live."""
