#!/bin/sh
echo "check-e2e: not yet (arrives with the data-plane issue)"
