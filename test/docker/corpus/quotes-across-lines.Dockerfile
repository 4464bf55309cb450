FROM centos:7
RUN yum install -y \
        epel-release \
        "python3-devel" \
        'gcc-c++' && \
    yum clean all && \
    rm -rf /var/cache/yum
LABEL description="multi \
line label"
