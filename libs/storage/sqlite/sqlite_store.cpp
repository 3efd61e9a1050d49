namespace messenger::storage {}
