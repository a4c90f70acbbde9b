#!/usr/bin/env bash
# Replaces the volatile fields of a wfpdiag.xml (host, generation time,
# tool version) so reports can be compared byte for byte.
sed -e 's|<host>[^<]*</host>|<host>HOST</host>|' \
    -e 's|<generated>[^<]*</generated>|<generated>TIME</generated>|' \
    -e 's|<toolVersion>[^<]*</toolVersion>|<toolVersion>VERSION</toolVersion>|' \
    -e 's|<wfpdiag version="[^"]*"|<wfpdiag version="VERSION"|'
