//! Message inputs and answers: argument, caller, method name, reply, reject, inspect acceptance.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

fn args_allowed(mode: Mode) -> bool {
    matches!(
        mode,
        Mode::Init
            | Mode::PostUpgrade
            | Mode::Update
            | Mode::ReplicatedQuery
            | Mode::NonReplicatedQuery
            | Mode::InspectMessage
            | Mode::ReplyCallback
    )
}

pub(super) fn link_message(l: &mut Linker<Host>) -> R<()> {
    api!(l, "msg_arg_data_size", |c| -> i32 {
        require(&c, "msg_arg_data_size", args_allowed)?;
        Ok(c.data().env.arg.len() as i32)
    });
    api!(l, "msg_arg_data_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_arg_data_copy", args_allowed)?;
        copy_out(&mut c, "msg_arg_data_copy", dst, off, size, |h| &h.env.arg)
    });
    api!(l, "msg_caller_size", |c| -> i32 {
        require(&c, "msg_caller_size", anywhere)?;
        Ok(c.data().env.caller.as_slice().len() as i32)
    });
    api!(l, "msg_caller_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_caller_copy", anywhere)?;
        copy_out(&mut c, "msg_caller_copy", dst, off, size, |h| h.env.caller.as_slice())
    });
    api!(l, "msg_caller_info_data_size", |c| -> i32 {
        require(&c, "msg_caller_info_data_size", anywhere)?;
        Ok(0)
    });
    api!(l, "msg_caller_info_data_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_caller_info_data_copy", anywhere)?;
        copy_out(&mut c, "msg_caller_info_data_copy", dst, off, size, |_| &[])
    });
    api!(l, "msg_caller_info_signer_size", |c| -> i32 {
        require(&c, "msg_caller_info_signer_size", anywhere)?;
        Ok(0)
    });
    api!(l, "msg_caller_info_signer_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_caller_info_signer_copy", anywhere)?;
        copy_out(&mut c, "msg_caller_info_signer_copy", dst, off, size, |_| &[])
    });
    api!(l, "msg_reject_code", |c| -> i32 {
        require(&c, "msg_reject_code", |m| matches!(m, Mode::ReplyCallback | Mode::RejectCallback))?;
        Ok(c.data().env.reject.as_ref().map_or(0, |(code, _)| *code as i32))
    });
    api!(l, "msg_reject_msg_size", |c| -> i32 {
        require(&c, "msg_reject_msg_size", |m| m == Mode::RejectCallback)?;
        Ok(c.data().env.reject.as_ref().map_or(0, |(_, text)| text.len() as i32))
    });
    api!(l, "msg_reject_msg_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_reject_msg_copy", |m| m == Mode::RejectCallback)?;
        copy_out(&mut c, "msg_reject_msg_copy", dst, off, size, |h| {
            h.env.reject.as_ref().map_or(&[][..], |(_, text)| text.as_bytes())
        })
    });
    api!(l, "msg_deadline", |c| -> i64 {
        require(&c, "msg_deadline", Mode::can_respond)?;
        Ok(0)
    });
    api!(l, "msg_reply_data_append", |c, src: i32, size: i32| -> () {
        require(&c, "msg_reply_data_append", Mode::can_respond)?;
        not_yet_responded(&c, "msg_reply_data_append")?;
        charge_transmission(&mut c, size as u32 as u64)?;
        let limit = c.data().env.reply_limit;
        let total = c.data().env.reply_buffer.len() + size as u32 as usize;
        if total > limit {
            return Err(violation(format!(
                "ic0.msg_reply_data_append: application payload size ({total}) cannot be larger than {limit}."
            )));
        }
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        c.data_mut().env.reply_buffer.extend_from_slice(&bytes);
        Ok(())
    });
    api!(l, "msg_reply", |c| -> () {
        require(&c, "msg_reply", Mode::can_respond)?;
        not_yet_responded(&c, "msg_reply")?;
        let env = &mut c.data_mut().env;
        env.response = Some(Response::Reply(std::mem::take(&mut env.reply_buffer)));
        Ok(())
    });
    api!(l, "msg_reject", |c, src: i32, size: i32| -> () {
        require(&c, "msg_reject", Mode::can_respond)?;
        not_yet_responded(&c, "msg_reject")?;
        charge_transmission(&mut c, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        c.data_mut().env.response = Some(Response::Reject(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(())
    });
    api!(l, "msg_method_name_size", |c| -> i32 {
        require(&c, "msg_method_name_size", |m| m == Mode::InspectMessage)?;
        Ok(c.data().env.method.len() as i32)
    });
    api!(l, "msg_method_name_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_method_name_copy", |m| m == Mode::InspectMessage)?;
        copy_out(&mut c, "msg_method_name_copy", dst, off, size, |h| h.env.method.as_bytes())
    });
    api!(l, "accept_message", |c| -> () {
        require(&c, "accept_message", |m| m == Mode::InspectMessage)?;
        if c.data().env.accepted {
            return Err(violation("ic0.accept_message: the function was already called.".to_string()));
        }
        c.data_mut().env.accepted = true;
        Ok(())
    });
    Ok(())
}

fn not_yet_responded(c: &C<'_>, api: &str) -> R<()> {
    let env = &c.data().env;
    if env.response.is_some() || env.context_responded {
        return Err(violation(format!("ic0.{api}: the call is already replied")));
    }
    Ok(())
}
