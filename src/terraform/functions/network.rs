//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`.

use super::*;

/// A parsed CIDR block: the network address (host bits cleared), prefix length and width.
pub(super) struct Cidr {
    pub(super) addr: u128,
    pub(super) prefix: u32,
    pub(super) bits: u32,
}

impl Cidr {
    pub(super) fn parse(s: &str) -> R<Cidr> {
        let fail = || {
            Fail::Error(format!(
                "invalid CIDR expression: invalid CIDR address: {s}"
            ))
        };
        let (ip, prefix) = s.split_once('/').ok_or_else(fail)?;
        let prefix: u32 = (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()))
            .then(|| prefix.parse().ok())
            .flatten()
            .ok_or_else(fail)?;
        let (addr, bits, prefix) = if let Ok(v4) = ip.parse::<Ipv4Addr>() {
            (u128::from(u32::from(v4)), 32, prefix)
        } else if let Ok(v6) = ip.parse::<Ipv6Addr>() {
            match v6.to_ipv4_mapped() {
                // Go treats IPv4-mapped networks as IPv4 ones.
                Some(v4) if prefix >= 96 => (u128::from(u32::from(v4)), 32, prefix - 96),
                _ => (u128::from(v6), 128, prefix),
            }
        } else {
            return Err(fail());
        };
        if prefix > bits {
            return Err(fail());
        }
        Ok(Cidr {
            addr: addr & mask(prefix, bits),
            prefix,
            bits,
        })
    }

    pub(super) fn host_space(&self, prefix: u32) -> u128 {
        !mask(prefix, self.bits) & all_ones(self.bits)
    }
}

pub(super) fn all_ones(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// The network mask of a prefix length within an address of `bits` bits.
pub(super) fn mask(prefix: u32, bits: u32) -> u128 {
    let host = bits.saturating_sub(prefix);
    all_ones(bits) & !all_ones(host)
}

pub(super) fn ip_text(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

pub(super) fn cidrsubnet(c: &Call) -> R<Value> {
    let [prefix, newbits, netnum] = c.exactly::<3>()?;
    let net = Cidr::parse(&c.text(prefix)?)?;
    let newbits = c.int(newbits, "newbits")?;
    let netnum = c.int(netnum, "netnum")?;
    let length = i64::from(net.prefix).saturating_add(newbits);
    if newbits < 0 || length > i64::from(net.bits) {
        return error(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        ));
    }
    let length = length as u32;
    let fits = netnum >= 0 && (newbits >= 64 || (netnum as u128) < (1u128 << newbits));
    if !fits {
        return error(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let shift = net.bits - length;
    let offset = if shift >= 128 {
        0
    } else {
        (netnum as u128) << shift
    };
    Ok(c.string(format!("{}/{length}", ip_text(net.addr | offset, net.bits))))
}

pub(super) fn cidrhost(c: &Call) -> R<Value> {
    let [prefix, hostnum] = c.exactly::<2>()?;
    let net = Cidr::parse(&c.text(prefix)?)?;
    let hostnum = c.int(hostnum, "hostnum")?;
    let space = net.host_space(net.prefix);
    let magnitude = u128::from(hostnum.unsigned_abs());
    let host = if hostnum >= 0 {
        (magnitude <= space).then_some(magnitude)
    } else {
        space.checked_sub(magnitude - 1)
    };
    let host = host.ok_or_else(|| {
        Fail::Error(format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.prefix
        ))
    })?;
    Ok(c.string(ip_text(net.addr | host, net.bits)))
}

pub(super) fn cidrnetmask(c: &Call) -> R<Value> {
    let [prefix] = c.exactly::<1>()?;
    let text = c.text(prefix)?;
    let net = Cidr::parse(&text)?;
    if net.bits != 32 {
        return error(format!("IPv6 addresses cannot have a netmask: {text}"));
    }
    Ok(c.string(ip_text(mask(net.prefix, 32), 32)))
}

/// `cidrsubnets`: consecutive subnets of the given extra prefix lengths, as Terraform
/// allocates them.
pub(super) fn cidrsubnets(c: &Call) -> R<Value> {
    let args = c.at_least(1)?;
    let net = Cidr::parse(&c.text(&args[0])?)?;
    let top = all_ones(net.bits);
    let mut current: Option<(u128, u32)> = None;
    let mut out = Vec::new();
    for a in &args[1..] {
        let newbits = c.int(a, "newbits")?;
        if newbits < 1 {
            return error("must extend prefix by at least one bit");
        }
        let length = i64::from(net.prefix).saturating_add(newbits);
        if length > i64::from(net.bits) {
            return error(format!(
                "would extend prefix to {length} bits, which is too long for an {} address",
                if net.bits == 32 { "IPv4" } else { "IPv6" }
            ));
        }
        let length = length as u32;
        let (ip, len) = current.unwrap_or_else(|| {
            (
                net.addr.wrapping_sub(1) & top & mask(length, net.bits),
                length,
            )
        });
        let last = (ip | net.host_space(len)) & mask(length, net.bits);
        let next = ((last | net.host_space(length)).wrapping_add(1)) & top;
        let inside = next & mask(net.prefix, net.bits) == net.addr;
        if next == 0 || !inside {
            return error(format!(
                "not enough remaining address space for a subnet with a prefix of {length} bits after {}/{len}",
                ip_text(ip, net.bits)
            ));
        }
        let next = next & mask(length, net.bits);
        current = Some((next, length));
        out.push(c.string(format!("{}/{length}", ip_text(next, net.bits))));
    }
    Ok(c.list(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terraform::functions::tests::*;

    #[test]
    fn cidr_functions() {
        let sub = |p: &str, a: f64, b: f64| ok("cidrsubnet", vec![s(p), n(a), n(b)]);
        assert_eq!(sub("10.0.0.0/16", 8.0, 2.0).as_str(), Some("10.0.2.0/24"));
        assert_eq!(sub("10.0.0.1/16", 8.0, 1.0).as_str(), Some("10.0.1.0/24"));
        assert_eq!(sub("fd00::/56", 8.0, 3.0).as_str(), Some("fd00:0:0:3::/64"));
        assert_eq!(sub("0.0.0.0/0", 1.0, 1.0).as_str(), Some("128.0.0.0/1"));
        assert_eq!(
            sub("::ffff:10.0.0.0/112", 8.0, 1.0).as_str(),
            Some("10.0.1.0/24")
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/16"), n(20.0), n(1.0)]),
            "insufficient address space to extend prefix of 16 by 20"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/16"), n(4.0), n(16.0)]),
            "prefix extension of 4 does not accommodate a subnet numbered 16"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0/16"), n(8.0), n(1.0)]),
            "invalid CIDR expression: invalid CIDR address: 10.0.0/16"
        );
        let host = |p: &str, h: f64| ok("cidrhost", vec![s(p), n(h)]);
        assert_eq!(host("10.0.0.0/16", -1.0).as_str(), Some("10.0.255.255"));
        assert_eq!(host("10.0.0.0/8", -257.0).as_str(), Some("10.255.254.255"));
        assert_eq!(host("fd00::/56", 300.0).as_str(), Some("fd00::12c"));
        assert_eq!(
            err("cidrhost", vec![s("10.0.0.0/30"), n(4.0)]),
            "prefix of 30 does not accommodate a host numbered 4"
        );
        assert_eq!(
            ok("cidrnetmask", vec![s("10.0.0.0/12")]).as_str(),
            Some("255.240.0.0")
        );
        assert_eq!(
            err("cidrnetmask", vec![s("fd00::/56")]),
            "IPv6 addresses cannot have a netmask: fd00::/56"
        );
    }

    #[test]
    fn cidrsubnets_allocates_consecutively() {
        let subs = |p: &str, bits: &[f64]| {
            let mut args = vec![s(p)];
            args.extend(bits.iter().map(|b| n(*b)));
            call("cidrsubnets", args)
        };
        let js_of = |r: Result<Value, String>| r.map(|v| json_text(&v).unwrap_or_default());
        assert_eq!(
            js_of(subs("10.0.0.0/16", &[4.0, 4.0, 8.0])).as_deref(),
            Ok(r#"["10.0.0.0/20","10.0.16.0/20","10.0.32.0/24"]"#)
        );
        assert_eq!(
            js_of(subs("10.0.0.0/16", &[8.0, 4.0])).as_deref(),
            Ok(r#"["10.0.0.0/24","10.0.16.0/20"]"#)
        );
        assert_eq!(
            js_of(subs("10.0.0.0/24", &[1.0, 1.0, 1.0])),
            Err("not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25".to_string())
        );
        assert_eq!(
            js_of(subs("10.0.0.0/24", &[0.0])),
            Err("must extend prefix by at least one bit".to_string())
        );
        assert_eq!(
            js_of(subs("10.0.0.0/24", &[9.0])),
            Err(
                "would extend prefix to 33 bits, which is too long for an IPv4 address".to_string()
            )
        );
    }
}
