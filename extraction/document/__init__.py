"""The cell record, calibrated confidence and the review list of the contract's document."""
