# Isolation groups. The forensic group has no rule at all: nothing in,
# nothing out (Terraform manages the empty lists, so a rule added by hand
# is removed on the next apply). Security groups are stateful: moving an
# interface straight into it leaves tracked connections alive, so cordon
# first moves it into the conversion group, where every flow is untracked,
# and then into the forensic group, which cuts them all.

resource "aws_security_group" "forensic" {
  name_prefix = "${var.name}-forensic-"
  description = "cordon forensic isolation: no inbound, no outbound"
  vpc_id      = var.vpc_id

  ingress = []
  egress  = []

  tags = merge(local.tags, { Name = "${var.name}-forensic" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "conversion" {
  count = var.create_conversion_security_group ? 1 : 0

  name_prefix = "${var.name}-conversion-"
  description = "cordon isolation first hop: all traffic, so every connection becomes untracked"
  vpc_id      = var.vpc_id

  ingress {
    description      = "all, so that flows are untracked"
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }

  egress {
    description      = "all, so that flows are untracked"
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }

  tags = merge(local.tags, { Name = "${var.name}-conversion" })

  lifecycle {
    create_before_destroy = true
  }
}
