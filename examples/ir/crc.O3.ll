; ModuleID = 'crc.c'
source_filename = "crc.c"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@.str = private unnamed_addr constant [20 x i8] c"crc n=%zu crc=%08x\0A\00", align 1
@table = internal global [256 x i32] zeroinitializer, align 16

; Function Attrs: nounwind uwtable
define dso_local i32 @main(i32 noundef %0, ptr noundef %1) #0 {
  %3 = alloca i32, align 4
  %4 = alloca i32, align 4
  %5 = alloca ptr, align 8
  %6 = alloca i64, align 8
  %7 = alloca ptr, align 8
  %8 = alloca i32, align 4
  %9 = alloca i64, align 8
  %10 = alloca i32, align 4
  %11 = alloca i32, align 4
  store i32 0, ptr %3, align 4
  store i32 %0, ptr %4, align 4, !tbaa !5
  store ptr %1, ptr %5, align 8, !tbaa !9
  call void @llvm.lifetime.start.p0(i64 8, ptr %6) #6
  %12 = load i32, ptr %4, align 4, !tbaa !5
  %13 = icmp sgt i32 %12, 1
  br i1 %13, label %14, label %19

14:                                               ; preds = %2
  %15 = load ptr, ptr %5, align 8, !tbaa !9
  %16 = getelementptr inbounds ptr, ptr %15, i64 1
  %17 = load ptr, ptr %16, align 8, !tbaa !9
  %18 = call i64 @atol(ptr noundef %17) #7
  br label %20

19:                                               ; preds = %2
  br label %20

20:                                               ; preds = %19, %14
  %21 = phi i64 [ %18, %14 ], [ 4000000, %19 ]
  store i64 %21, ptr %6, align 8, !tbaa !11
  call void @llvm.lifetime.start.p0(i64 8, ptr %7) #6
  %22 = load i64, ptr %6, align 8, !tbaa !11
  %23 = icmp ne i64 %22, 0
  br i1 %23, label %24, label %26

24:                                               ; preds = %20
  %25 = load i64, ptr %6, align 8, !tbaa !11
  br label %27

26:                                               ; preds = %20
  br label %27

27:                                               ; preds = %26, %24
  %28 = phi i64 [ %25, %24 ], [ 1, %26 ]
  %29 = call noalias ptr @malloc(i64 noundef %28) #8
  store ptr %29, ptr %7, align 8, !tbaa !9
  call void @llvm.lifetime.start.p0(i64 4, ptr %8) #6
  store i32 1, ptr %8, align 4, !tbaa !5
  call void @llvm.lifetime.start.p0(i64 8, ptr %9) #6
  store i64 0, ptr %9, align 8, !tbaa !11
  br label %30

30:                                               ; preds = %56, %27
  %31 = load i64, ptr %9, align 8, !tbaa !11
  %32 = load i64, ptr %6, align 8, !tbaa !11
  %33 = icmp ult i64 %31, %32
  br i1 %33, label %35, label %34

34:                                               ; preds = %30
  call void @llvm.lifetime.end.p0(i64 8, ptr %9) #6
  br label %59

35:                                               ; preds = %30
  %36 = load i32, ptr %8, align 4, !tbaa !5
  %37 = shl i32 %36, 13
  %38 = load i32, ptr %8, align 4, !tbaa !5
  %39 = xor i32 %38, %37
  store i32 %39, ptr %8, align 4, !tbaa !5
  %40 = load i32, ptr %8, align 4, !tbaa !5
  %41 = lshr i32 %40, 17
  %42 = load i32, ptr %8, align 4, !tbaa !5
  %43 = xor i32 %42, %41
  store i32 %43, ptr %8, align 4, !tbaa !5
  %44 = load i32, ptr %8, align 4, !tbaa !5
  %45 = shl i32 %44, 5
  %46 = load i32, ptr %8, align 4, !tbaa !5
  %47 = xor i32 %46, %45
  store i32 %47, ptr %8, align 4, !tbaa !5
  %48 = load i64, ptr %9, align 8, !tbaa !11
  %49 = trunc i64 %48 to i32
  %50 = load i32, ptr %8, align 4, !tbaa !5
  %51 = trunc i32 %50 to i8
  %52 = call zeroext i8 @mix(i32 noundef %49, i8 noundef zeroext %51)
  %53 = load ptr, ptr %7, align 8, !tbaa !9
  %54 = load i64, ptr %9, align 8, !tbaa !11
  %55 = getelementptr inbounds i8, ptr %53, i64 %54
  store i8 %52, ptr %55, align 1, !tbaa !13
  br label %56

56:                                               ; preds = %35
  %57 = load i64, ptr %9, align 8, !tbaa !11
  %58 = add i64 %57, 1
  store i64 %58, ptr %9, align 8, !tbaa !11
  br label %30, !llvm.loop !14

59:                                               ; preds = %34
  call void @init_table()
  call void @llvm.lifetime.start.p0(i64 4, ptr %10) #6
  store i32 0, ptr %10, align 4, !tbaa !5
  call void @llvm.lifetime.start.p0(i64 4, ptr %11) #6
  store i32 0, ptr %11, align 4, !tbaa !5
  br label %60

60:                                               ; preds = %69, %59
  %61 = load i32, ptr %11, align 4, !tbaa !5
  %62 = icmp slt i32 %61, 4
  br i1 %62, label %64, label %63

63:                                               ; preds = %60
  call void @llvm.lifetime.end.p0(i64 4, ptr %11) #6
  br label %72

64:                                               ; preds = %60
  %65 = load ptr, ptr %7, align 8, !tbaa !9
  %66 = load i64, ptr %6, align 8, !tbaa !11
  %67 = load i32, ptr %10, align 4, !tbaa !5
  %68 = call i32 @crc32(ptr noundef %65, i64 noundef %66, i32 noundef %67)
  store i32 %68, ptr %10, align 4, !tbaa !5
  br label %69

69:                                               ; preds = %64
  %70 = load i32, ptr %11, align 4, !tbaa !5
  %71 = add nsw i32 %70, 1
  store i32 %71, ptr %11, align 4, !tbaa !5
  br label %60, !llvm.loop !16

72:                                               ; preds = %63
  %73 = load i64, ptr %6, align 8, !tbaa !11
  %74 = load i32, ptr %10, align 4, !tbaa !5
  %75 = call i32 (ptr, ...) @printf(ptr noundef @.str, i64 noundef %73, i32 noundef %74)
  %76 = load ptr, ptr %7, align 8, !tbaa !9
  call void @free(ptr noundef %76) #6
  call void @llvm.lifetime.end.p0(i64 4, ptr %10) #6
  call void @llvm.lifetime.end.p0(i64 4, ptr %8) #6
  call void @llvm.lifetime.end.p0(i64 8, ptr %7) #6
  call void @llvm.lifetime.end.p0(i64 8, ptr %6) #6
  ret i32 0
}

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.start.p0(i64 immarg, ptr nocapture) #1

; Function Attrs: inlinehint nounwind willreturn memory(read) uwtable
define available_externally i64 @atol(ptr noundef nonnull %0) #2 {
  %2 = alloca ptr, align 8
  store ptr %0, ptr %2, align 8, !tbaa !9
  %3 = load ptr, ptr %2, align 8, !tbaa !9
  %4 = call i64 @strtol(ptr noundef %3, ptr noundef null, i32 noundef 10) #6
  ret i64 %4
}

; Function Attrs: nounwind allocsize(0)
declare noalias ptr @malloc(i64 noundef) #3

; Function Attrs: nounwind uwtable
define internal zeroext i8 @mix(i32 noundef %0, i8 noundef zeroext %1) #0 {
  %3 = alloca i8, align 1
  %4 = alloca i32, align 4
  %5 = alloca i8, align 1
  store i32 %0, ptr %4, align 4, !tbaa !5
  store i8 %1, ptr %5, align 1, !tbaa !13
  %6 = load i32, ptr %4, align 4, !tbaa !5
  %7 = and i32 %6, 3
  switch i32 %7, label %27 [
    i32 0, label %8
    i32 1, label %13
    i32 2, label %18
  ]

8:                                                ; preds = %2
  %9 = load i8, ptr %5, align 1, !tbaa !13
  %10 = zext i8 %9 to i32
  %11 = add nsw i32 %10, 13
  %12 = trunc i32 %11 to i8
  store i8 %12, ptr %3, align 1
  br label %32

13:                                               ; preds = %2
  %14 = load i8, ptr %5, align 1, !tbaa !13
  %15 = zext i8 %14 to i32
  %16 = xor i32 %15, 90
  %17 = trunc i32 %16 to i8
  store i8 %17, ptr %3, align 1
  br label %32

18:                                               ; preds = %2
  %19 = load i8, ptr %5, align 1, !tbaa !13
  %20 = zext i8 %19 to i32
  %21 = shl i32 %20, 1
  %22 = load i8, ptr %5, align 1, !tbaa !13
  %23 = zext i8 %22 to i32
  %24 = ashr i32 %23, 7
  %25 = or i32 %21, %24
  %26 = trunc i32 %25 to i8
  store i8 %26, ptr %3, align 1
  br label %32

27:                                               ; preds = %2
  %28 = load i8, ptr %5, align 1, !tbaa !13
  %29 = zext i8 %28 to i32
  %30 = xor i32 %29, -1
  %31 = trunc i32 %30 to i8
  store i8 %31, ptr %3, align 1
  br label %32

32:                                               ; preds = %27, %18, %13, %8
  %33 = load i8, ptr %3, align 1
  ret i8 %33
}

; Function Attrs: nocallback nofree nosync nounwind willreturn memory(argmem: readwrite)
declare void @llvm.lifetime.end.p0(i64 immarg, ptr nocapture) #1

; Function Attrs: nounwind uwtable
define internal void @init_table() #0 {
  %1 = alloca i32, align 4
  %2 = alloca i32, align 4
  %3 = alloca i32, align 4
  %4 = alloca i32, align 4
  call void @llvm.lifetime.start.p0(i64 4, ptr %1) #6
  store i32 0, ptr %1, align 4, !tbaa !5
  br label %5

5:                                                ; preds = %36, %0
  %6 = load i32, ptr %1, align 4, !tbaa !5
  %7 = icmp ult i32 %6, 256
  br i1 %7, label %9, label %8

8:                                                ; preds = %5
  store i32 2, ptr %2, align 4
  call void @llvm.lifetime.end.p0(i64 4, ptr %1) #6
  br label %39

9:                                                ; preds = %5
  call void @llvm.lifetime.start.p0(i64 4, ptr %3) #6
  %10 = load i32, ptr %1, align 4, !tbaa !5
  store i32 %10, ptr %3, align 4, !tbaa !5
  call void @llvm.lifetime.start.p0(i64 4, ptr %4) #6
  store i32 0, ptr %4, align 4, !tbaa !5
  br label %11

11:                                               ; preds = %28, %9
  %12 = load i32, ptr %4, align 4, !tbaa !5
  %13 = icmp slt i32 %12, 8
  br i1 %13, label %15, label %14

14:                                               ; preds = %11
  store i32 5, ptr %2, align 4
  call void @llvm.lifetime.end.p0(i64 4, ptr %4) #6
  br label %31

15:                                               ; preds = %11
  %16 = load i32, ptr %3, align 4, !tbaa !5
  %17 = and i32 %16, 1
  %18 = icmp ne i32 %17, 0
  br i1 %18, label %19, label %23

19:                                               ; preds = %15
  %20 = load i32, ptr %3, align 4, !tbaa !5
  %21 = lshr i32 %20, 1
  %22 = xor i32 -306674912, %21
  br label %26

23:                                               ; preds = %15
  %24 = load i32, ptr %3, align 4, !tbaa !5
  %25 = lshr i32 %24, 1
  br label %26

26:                                               ; preds = %23, %19
  %27 = phi i32 [ %22, %19 ], [ %25, %23 ]
  store i32 %27, ptr %3, align 4, !tbaa !5
  br label %28

28:                                               ; preds = %26
  %29 = load i32, ptr %4, align 4, !tbaa !5
  %30 = add nsw i32 %29, 1
  store i32 %30, ptr %4, align 4, !tbaa !5
  br label %11, !llvm.loop !17

31:                                               ; preds = %14
  %32 = load i32, ptr %3, align 4, !tbaa !5
  %33 = load i32, ptr %1, align 4, !tbaa !5
  %34 = zext i32 %33 to i64
  %35 = getelementptr inbounds [256 x i32], ptr @table, i64 0, i64 %34
  store i32 %32, ptr %35, align 4, !tbaa !5
  call void @llvm.lifetime.end.p0(i64 4, ptr %3) #6
  br label %36

36:                                               ; preds = %31
  %37 = load i32, ptr %1, align 4, !tbaa !5
  %38 = add i32 %37, 1
  store i32 %38, ptr %1, align 4, !tbaa !5
  br label %5, !llvm.loop !18

39:                                               ; preds = %8
  ret void
}

; Function Attrs: nounwind uwtable
define internal i32 @crc32(ptr noundef %0, i64 noundef %1, i32 noundef %2) #0 {
  %4 = alloca ptr, align 8
  %5 = alloca i64, align 8
  %6 = alloca i32, align 4
  %7 = alloca i64, align 8
  store ptr %0, ptr %4, align 8, !tbaa !9
  store i64 %1, ptr %5, align 8, !tbaa !11
  store i32 %2, ptr %6, align 4, !tbaa !5
  %8 = load i32, ptr %6, align 4, !tbaa !5
  %9 = xor i32 %8, -1
  store i32 %9, ptr %6, align 4, !tbaa !5
  call void @llvm.lifetime.start.p0(i64 8, ptr %7) #6
  store i64 0, ptr %7, align 8, !tbaa !11
  br label %10

10:                                               ; preds = %30, %3
  %11 = load i64, ptr %7, align 8, !tbaa !11
  %12 = load i64, ptr %5, align 8, !tbaa !11
  %13 = icmp ult i64 %11, %12
  br i1 %13, label %15, label %14

14:                                               ; preds = %10
  call void @llvm.lifetime.end.p0(i64 8, ptr %7) #6
  br label %33

15:                                               ; preds = %10
  %16 = load i32, ptr %6, align 4, !tbaa !5
  %17 = load ptr, ptr %4, align 8, !tbaa !9
  %18 = load i64, ptr %7, align 8, !tbaa !11
  %19 = getelementptr inbounds i8, ptr %17, i64 %18
  %20 = load i8, ptr %19, align 1, !tbaa !13
  %21 = zext i8 %20 to i32
  %22 = xor i32 %16, %21
  %23 = and i32 %22, 255
  %24 = zext i32 %23 to i64
  %25 = getelementptr inbounds [256 x i32], ptr @table, i64 0, i64 %24
  %26 = load i32, ptr %25, align 4, !tbaa !5
  %27 = load i32, ptr %6, align 4, !tbaa !5
  %28 = lshr i32 %27, 8
  %29 = xor i32 %26, %28
  store i32 %29, ptr %6, align 4, !tbaa !5
  br label %30

30:                                               ; preds = %15
  %31 = load i64, ptr %7, align 8, !tbaa !11
  %32 = add i64 %31, 1
  store i64 %32, ptr %7, align 8, !tbaa !11
  br label %10, !llvm.loop !19

33:                                               ; preds = %14
  %34 = load i32, ptr %6, align 4, !tbaa !5
  %35 = xor i32 %34, -1
  ret i32 %35
}

declare i32 @printf(ptr noundef, ...) #4

; Function Attrs: nounwind
declare void @free(ptr noundef) #5

; Function Attrs: nounwind
declare i64 @strtol(ptr noundef, ptr noundef, i32 noundef) #5

attributes #0 = { nounwind uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #1 = { nocallback nofree nosync nounwind willreturn memory(argmem: readwrite) }
attributes #2 = { inlinehint nounwind willreturn memory(read) uwtable "min-legal-vector-width"="0" "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #3 = { nounwind allocsize(0) "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #4 = { "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #5 = { nounwind "no-trapping-math"="true" "stack-protector-buffer-size"="8" "target-cpu"="x86-64" "target-features"="+cmov,+cx8,+fxsr,+mmx,+sse,+sse2,+x87" "tune-cpu"="generic" }
attributes #6 = { nounwind }
attributes #7 = { nounwind willreturn memory(read) }
attributes #8 = { nounwind allocsize(0) }

!llvm.module.flags = !{!0, !1, !2, !3}
!llvm.ident = !{!4}

!0 = !{i32 1, !"wchar_size", i32 4}
!1 = !{i32 8, !"PIC Level", i32 2}
!2 = !{i32 7, !"PIE Level", i32 2}
!3 = !{i32 7, !"uwtable", i32 2}
!4 = !{!"Debian clang version 19.1.7 (3~deb12u1)"}
!5 = !{!6, !6, i64 0}
!6 = !{!"int", !7, i64 0}
!7 = !{!"omnipotent char", !8, i64 0}
!8 = !{!"Simple C/C++ TBAA"}
!9 = !{!10, !10, i64 0}
!10 = !{!"any pointer", !7, i64 0}
!11 = !{!12, !12, i64 0}
!12 = !{!"long", !7, i64 0}
!13 = !{!7, !7, i64 0}
!14 = distinct !{!14, !15}
!15 = !{!"llvm.loop.mustprogress"}
!16 = distinct !{!16, !15}
!17 = distinct !{!17, !15}
!18 = distinct !{!18, !15}
!19 = distinct !{!19, !15}
