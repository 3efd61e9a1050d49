namespace messenger::protocol {}
