#!/bin/bash
echo "1..0 # golden tests not written yet"
