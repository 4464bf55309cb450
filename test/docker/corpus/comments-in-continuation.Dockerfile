FROM ubuntu:24.04
# Install build dependencies
RUN apt-get update \
    # compilers
    && apt-get install -y gcc g++ \
    # tools
    && apt-get install -y make cmake \
# an unindented comment
    && rm -rf /var/lib/apt/lists/*
# trailing comment

ENV A=1
